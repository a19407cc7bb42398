#!/bin/sh
# The quarantine: a refused message kept as one entry (new/ID/ with msg,
# env, info), never at the cost of the refusal; qscanq-quarantine lists,
# shows, releases, expires and summarises the entries.
. "$(dirname "$0")/lib.sh"

need_root || plan_skip_all "the quarantine belongs to qscand: needs root"
QQ=$QT_HOME/bin/qscanq-quarantine
CLEANQ=$QT_HOME/bin/cleanq
Q=$QT_QSCAND
QG=$(gid_of "$Q")
VSIG="Qscanq.Test.EICAR.UNOFFICIAL"
{ printf 'Subject: x\nMessage-ID: <q1@qscanq.test>\n\n'; eicar; printf '\n'; } > "$W/virus"
mail "$W/clean"
{ printf 'Subject: \033]0;pwned\007x\n\n'; eicar; printf '\n'; } > "$W/virus2"
printf 'Fsender@example.org\0Trcpt@example.net\0Tsecond@example.net\0\0' > "$W/env"

# A private spool, so that what a message leaves in it can be seen.
S=$W/spool
mkdir -m 750 "$S" && chown "$Q:$QG" "$S"
qdir() { rm -rf "$1"; mkdir -m 700 "$1" && chown "$Q:$QG" "$1"; }
QD=$W/q
qdir "$QD"
entries() { ls "$1/new" 2>/dev/null | wc -l | tr -d ' '; }
msgname() { sed -n 's/^qscanq: @\([^:]*\):.*/\1/p' "$R/stderr"; }
spool_clean() { "$CLEANQ" "$S" 2>/dev/null; [ -z "$(ls -d "$S"/@* 2>/dev/null)" ]; }
QENV="SCANDIR=$S QSCANQ_LOG=1"

# --- A virus, kept.
# Holding run-cleanq's lock keeps the message directory for us to see.
exec 9>>"$S/lock"; chown "$Q" "$S/lock"; flock -w 30 9
qrun $QENV "QSCANQ_QUARANTINE=$QD" TCPREMOTEIP=192.0.2.7 -- "$W/virus"
is "$EXIT" 31 "EICAR with the quarantine on: still refused, 31"
ID=$(msgname)
is "$(ls "$QD/new")" "$ID" "one entry in new/, named as the log line names the message"
t "... the message byte for byte" same "$W/virus" "$QD/new/$ID/msg"
t "... the envelope byte for byte" same "$W/env" "$QD/new/$ID/env"
is "$(stat -c %U:%a "$QD/new/$ID" "$QD/new/$ID/msg" "$QD/new/$ID/env" "$QD/new/$ID/info" | tr '\n' ' ')" \
  "$Q:700 $Q:600 $Q:600 $Q:600 " "... owned by qscand, directory 0700, files 0600"
is "$(ls -A "$QD/tmp")" "" "... nothing left in tmp/"
t "... moved, not copied: the spool holds no msg any more" [ ! -e "$S/@$ID/work/msg" -a -d "$S/@$ID/work" ]
is "$(grep -E '^(verdict|sig|ip|from|rcpt|rcpts|msgid|bytes|scanner)=' "$QD/new/$ID/info" | tr '\n' ' ')" \
  "verdict=virus sig=$VSIG bytes=$(wc -c < "$W/virus" | tr -d ' ') ip=192.0.2.7 from=<sender@example.org> rcpt=<rcpt@example.net> rcpt=<second@example.net> rcpts=2 msgid=<q1@qscanq.test> scanner=qscanq-clamav " \
  "... info: verdict, signature, size, client, sender, recipients, message id, scanner"
t "... the log line names the entry" grep -q " quarantine=$ID " "$R/stderr"
exec 9>&-
t "... and the spool is clean once cleanq ran" spool_clean

"$QQ" -d "$QD" -l > "$W/list"; r=$?
is "$r/$(wc -l < "$W/list" | tr -d ' ')" "0/1" "-l: one line"
is "$(cat "$W/list")" "$ID time=$(sed -n 's/^time=//p' "$QD/new/$ID/info") verdict=virus sig=$VSIG from=<sender@example.org> rcpts=<rcpt@example.net>,<second@example.net> size=$(wc -c < "$W/virus" | tr -d ' ')" \
  "... id, time, verdict, signature, sender, recipients, size"
"$QQ" -d "$QD" -s "$ID" > "$W/show"
t "-s: the info" grep -q "^verdict=virus$" "$W/show"
t "-s: the header" grep -q "^Message-ID: <q1@qscanq.test>$" "$W/show"
t "-s: not the body" sh -c '! grep -q X5O "$1"' x "$W/show"

# notqmail: the reply mode's code and text, and an entry all the same.
qrun -r 6 $QENV "QSCANQ_QUARANTINE=$QD" QSCANQ_REPLY=notqmail -- "$W/virus2"
is "$EXIT/$(tr '\0' '\n' < "$R/reply" | head -n 1)" "82/Dvirus found: $VSIG (#5.7.1)" "notqmail: 82 and the D reply"
ID2=$(msgname)
t "... kept as a second entry" [ "$(entries "$QD")" = 2 -a -f "$QD/new/$ID2/msg" ]
"$QQ" -d "$QD" -s "$ID2" > "$W/show"
t "-s: escape and bell bytes of the header shown as \\xHH, never sent to the terminal" grep -qxF 'Subject: \x1b]0;pwned\x07x' "$W/show"
mkdir -m 700 "$QD/new/bad name"; chown "$Q" "$QD/new/bad name"
"$QQ" -d "$QD" -l > "$W/list" 2> "$W/err"
is "$(wc -l < "$W/list" | tr -d ' ')" 2 "-l: a name in new/ that is not an id is not listed"
t "... and reported" grep -qF 'skipping new/bad\x20name: not an entry name' "$W/err"
rmdir "$QD/new/bad name"

# --- Release.
RR=$(mktemp -d "$W/rel.XXXXXX"); chmod 1777 "$RR"
QQ_RECORD=$RR flock "$QD/new/$ID" "$QQ" -d "$QD" -r "$ID" > /dev/null 2> "$W/err"; r=$?
is "$r/$([ -e "$RR/msg" ] && echo queued)" "111/" "-r while another holds the entry's lock: 111, nothing queued"
t "... said so" grep -q "is being released or expired" "$W/err"
QQ_RECORD=$RR QQ_EXIT=1 "$QQ" -d "$QD" -r "$ID" > /dev/null 2> "$W/err"; r=$?
is "$r" 111 "-r, qmail-queue fails: 111"
t "... entry kept" [ -f "$QD/new/$ID/msg" ]
t "... and said so" grep -q "exited 1: entry $ID kept" "$W/err"
rm -f "$RR"/*
QQ_RECORD=$RR "$QQ" -d "$QD" -r "$ID" > "$W/out"; r=$?
is "$r" 0 "-r: released, exit 0"
t "... qmail-queue got the message byte for byte" same "$W/virus" "$RR/msg"
t "... and the envelope byte for byte" same "$W/env" "$RR/env"
is "$(sed -n 's/^uid //p' "$RR/ids")" "$(uid_of "$Q") $(uid_of "$Q") $(uid_of "$Q")" "... run as qscand"
t "... the entry is gone" [ ! -e "$QD/new/$ID" ]
rm -f "$RR"/*
QQ_RECORD=$RR "$QQ" -d "$QD" -r "$ID2" -t postmaster@example.org -t x@example.net > /dev/null; r=$?
is "$r" 0 "-r -t: released to other recipients"
is "$(tr '\0' '|' < "$RR/env")" "Fsender@example.org|Tpostmaster@example.org|Tx@example.net||" "... a new envelope, the same sender"
t "... the message byte for byte" same "$W/virus2" "$RR/msg"
is "$(entries "$QD")" 0 "... the entry is gone"

# Hostile names: never a path.
for bad in ../q "a/b" .. .x "" "a..b"; do
  "$QQ" -d "$QD" -s "$bad" > /dev/null 2>&1
  is "$?" 100 "-s '$bad': refused, 100"
done
setpriv --reuid="$(uid_of "$QT_UNTRUSTED")" --regid="$(gid_of "$QT_UNTRUSTED")" --clear-groups "$QQ" -d "$QD" -l > /dev/null 2>&1
is "$?" 100 "the tool run by somebody else than root or qscand: 100"

# --- What is not kept.
qrun $QENV "QSCANQ_QUARANTINE=$QD" -- "$W/clean" $(rec) 0
is "$EXIT/$(entries "$QD")" "0/0" "clean mail: delivered, never in the quarantine"
qrun -u "$QT_UNTRUSTED" $QENV "QSCANQ_QUARANTINE=$QD" -- "$W/virus"
is "$EXIT/$(entries "$QD")" "31/0" "an untrusted caller's QSCANQ_QUARANTINE is ignored"
FAIL="SCANCMD=/bin/sh -c 'exit 2'"
qrun $QENV "QSCANQ_QUARANTINE=$QD" "$FAIL" -- "$W/clean"
is "$EXIT/$(entries "$QD")" "71/0" "scanner failure: 71, not kept by default"
qrun -u "$QT_UNTRUSTED" $QENV "QSCANQ_QUARANTINE=$QD" QSCANQ_QUARANTINE_FAILED=1 "$FAIL" -- "$W/clean"
is "$(entries "$QD")" 0 "... nor for an untrusted caller's QSCANQ_QUARANTINE_FAILED=1"
qrun $QENV "QSCANQ_QUARANTINE=$QD" QSCANQ_QUARANTINE_FAILED=1 "$FAIL" -- "$W/clean"
is "$EXIT/$(entries "$QD")" "71/1" "QSCANQ_QUARANTINE_FAILED=1: 71, and kept"
t "... as verdict=fail" grep -q '^verdict=fail$' "$QD/new/$(msgname)/info"

# --- A quarantine that cannot take it: refused all the same, spool clean.
broken() { # broken DESCRIPTION DIR LOG-PATTERN
  qrun $QENV "QSCANQ_QUARANTINE=$2" -- "$W/virus"
  is "$EXIT" 31 "$1: still refused, 31"
  t "... a log line says why" grep -q "quarantine the refused message (it is refused anyway): $3" "$R/stderr"
  t "... the log line says quarantine=failed" grep -q " quarantine=failed " "$R/stderr"
  t "... nothing in new/" [ "$(entries "$2")" = 0 ]
  t "... the spool is clean once cleanq ran" spool_clean
}
broken "quarantine missing" "$W/nonexistent" "open the quarantine directory"
broken "quarantine a relative path" "q" "use a relative path as the quarantine"
qdir "$W/q2"; chown root:root "$W/q2"; chmod 755 "$W/q2"
broken "quarantine not qscand's" "$W/q2" "use the quarantine directory"
qdir "$W/q2"; chmod 750 "$W/q2"
broken "quarantine open to the group" "$W/q2" "use the quarantine directory"
qdir "$W/q2"; ln -s "$W/q2" "$W/q3"
broken "quarantine a symbolic link" "$W/q3" "open the quarantine directory"
qdir "$W/q2"; mkdir -m 700 "$W/q2/tmp" "$W/q2/new"; chown "$Q:$QG" "$W/q2/tmp" "$W/q2/new"; chmod 500 "$W/q2/tmp"
broken "tmp/ unwritable" "$W/q2" "create the entry in tmp/"
trap 'umount "$W/full" 2>/dev/null' EXIT
if mkdir "$W/full" && mount -t tmpfs -o "size=64k,mode=700,uid=$(uid_of "$Q"),gid=$QG" tmpfs "$W/full" 2>/dev/null; then
  { printf 'Subject: big\n\n'; eicar; printf '\n'; head -c 200000 /dev/zero | tr '\0' 'a' | fold -w 70; } > "$W/big"
  qrun $QENV "QSCANQ_QUARANTINE=$W/full" -- "$W/big"
  is "$EXIT" 31 "quarantine on a full file system: still refused, 31"
  t "... a log line says why" grep -q "quarantine the refused message (it is refused anyway): copy the message into the quarantine in $W/full: No space left on device" "$R/stderr"
  cp "$R/stderr" "$W/full.err"
  is "$(entries "$W/full")/$(ls -A "$W/full/tmp")" "0/" "... nothing in new/, nothing left in tmp/"
  t "... the spool is clean once cleanq ran" spool_clean
  qrun $QENV "QSCANQ_QUARANTINE=$W/full" -- "$W/virus"
  t "... a small message still fits, copied across file systems" same "$W/virus" "$W/full/new/$(msgname)/msg"
  umount "$W/full"
else
  skip "mount -t tmpfs not permitted here: no full-file-system test"
fi

# --- Expiry and the summary.
qdir "$QD"
for n in 1 2 3; do qrun $QENV "QSCANQ_QUARANTINE=$QD" TCPREMOTEIP=192.0.2.$n -- "$W/virus"; done
printf 'MZ\n' > "$W/p.bin"; mail "$W/banned" "$W/p.bin" "invoice.exe"; printf '.exe\n' > "$W/badext"
qrun $QENV "QSCANQ_QUARANTINE=$QD" "SCANCMD=qscanq-attach -f $W/badext" TCPREMOTEIP=192.0.2.1 -- "$W/banned"
OLD=$(ls "$QD/new" | head -n 1)
touch -d '10 days ago' "$QD/new/$OLD"
mkdir -m 700 "$QD/tmp/old.leftover" "$QD/tmp/new.leftover"; chown "$Q" "$QD/tmp/old.leftover" "$QD/tmp/new.leftover"
touch -d '2 days ago' "$QD/tmp/old.leftover"
"$QQ" -d "$QD" -S 1 > "$W/sum"; r=$?
is "$r" 0 "-S 1: exit 0"
is "$(head -n 1 "$W/sum")" "Subject: qscanq quarantine: 3 messages refused in the last 1 day" "... a Subject line for qmail-inject, counting the last day only"
t "... 2 virus" grep -qx "      2 virus" "$W/sum"
t "... 1 banned" grep -qx "      1 banned" "$W/sum"
t "... per signature" grep -qx "      2 $VSIG" "$W/sum"
t "... a banned name as the log line shows it" grep -qx "      1 banned:invoice.exe" "$W/sum"
t "... top client IPs" grep -qx "      1 192.0.2.3" "$W/sum"
t "... top senders" grep -qx "      3 <sender@example.org>" "$W/sum"
"$QQ" -d "$QD" -S 30 > "$W/sum"
t "-S 30: the older entry counted too" grep -qx "      3 virus" "$W/sum"
t "... and its client IP" grep -qx "      2 192.0.2.1" "$W/sum"
flock "$QD/new/$OLD" "$QQ" -d "$QD" -x 5
t "-x skips an entry being released" [ -d "$QD/new/$OLD" ]
"$QQ" -d "$QD" -x 5; r=$?
is "$r" 0 "-x 5: exit 0"
t "... the 10-day-old entry removed" [ ! -e "$QD/new/$OLD" ]
is "$(entries "$QD")" 3 "... the 3 younger ones kept"
t "... a tmp/ leftover older than a day removed" [ ! -e "$QD/tmp/old.leftover" ]
t "... a fresh one kept" [ -d "$QD/tmp/new.leftover" ]

done_testing
