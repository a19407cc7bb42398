#!/bin/sh
# qscanq-clamd against real clamd instances: verdicts over FILDES and
# INSTREAM, and every way a clamd can fail.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clamd.sh"
have_clamd || plan_skip_all "clamd (clamav-daemon) not installed"

QC=$QT_HOME/bin/qscanq-clamd
clamd_start A "$QT/db" "AlertExceedsMax yes" || plan_skip_all "clamd would not start"

eicar > "$W/eicar.com"
{ printf 'Subject: plain\n\n'; eicar; printf '\n'; } > "$W/plain"
mail "$W/clean"
(cd "$W" && zip -q eicar.zip eicar.com)
mail "$W/zip" "$W/eicar.com"
mail "$W/zipped" "$W/eicar.zip"

scan() { # scan ARGS... < input: sets CODE, OUT, ERR, SECS
  s0=$(date +%s)
  OUT=$(TMPDIR=$W "$QC" "$@" 2>"$W/err"); CODE=$?
  SECS=$(( $(date +%s) - s0 ))
  ERR=$(cat "$W/err")
}

for how in "FILDES:-s $A_sock" "INSTREAM over TCP:-s $A_tcp" "INSTREAM on the socket:-i -s $A_sock"; do
  label=${how%%:*} args=${how#*:}
  scan $args "$W/clean"
  is "$CODE/$OUT" "0/msg: OK" "$label: clean mail is clean"
  scan $args "$W/plain"
  is "$CODE/$OUT" "1/msg: Qscanq.Test.EICAR.UNOFFICIAL FOUND" "$label: EICAR found, named"
  scan $args "$W/zipped"
  is "$CODE" 1 "$label: zipped EICAR in a mail found"
  scan $args < "$W/zip"
  is "$CODE" 1 "$label: from fd 0"
done
scan -s "$A_sock" < /dev/null
is "$CODE" 0 "an empty message is clean"

# Through the chain.
qrun "SCANCMD=qscanq-clamd -s $A_sock" -- "$W/zip"
is "$EXIT" 31 "chain, FILDES: virus refused (31)"
qrun "SCANCMD=qscanq-clamd -s $A_tcp" -- "$W/zip"
is "$EXIT" 31 "chain, INSTREAM: virus refused (31)"
qrun "SCANCMD=qscanq-clamd -s $A_sock" -- "$W/clean"
is "$EXIT" 0 "chain, FILDES: clean passes"
t "chain: byte for byte" same "$W/clean" "$R/msg"
if need_root; then
  # The spool is qscand's, mode 0750: clamd (user clamav) could not open
  # the file by name. FILDES needs no permission at all.
  t "FILDES works although clamav cannot read the spool" sh -c '! setpriv --reuid=clamav --regid=clamav --clear-groups test -r "$1"' x "$QT_SPOOL/lock"
else
  skip "spool permissions: not root"
fi

# A dead server: stopped cleanly (socket gone), then killed (stale socket).
clamd_start B "$QT/db" || true
clamd_stop B TERM
t "clamd B stopped cleanly: its socket is gone" [ ! -e "$W/clamd-B/clamd.sock" ]
scan -t 5 -s "$W/clamd-B/clamd.sock" "$W/plain"
is "$CODE" 2 "missing socket: exit 2"
t "... at once (${SECS} s)" [ "$SECS" -le 2 ]
t "... saying why" sh -c 'echo "$1" | grep -q "No such file"' x "$ERR"
clamd_start C "$QT/db" || true
Ctcp=$C_tcp
clamd_stop C KILL
t "clamd C killed: its socket is left behind" [ -S "$W/clamd-C/clamd.sock" ]
scan -t 5 -s "$W/clamd-C/clamd.sock" "$W/plain"
is "$CODE" 2 "stale socket (connection refused): exit 2"
t "... saying why" sh -c 'echo "$1" | grep -q "Connection refused"' x "$ERR"
scan -t 5 -s "$Ctcp" "$W/plain"
is "$CODE" 2 "dead TCP port: exit 2"

# Several servers: the dead ones are skipped, whichever comes first.
for i in 1 2 3 4; do
  scan -t 5 -s "$W/clamd-C/clamd.sock" -s "$W/clamd-B/clamd.sock" -s "$Ctcp" -s "$A_sock" "$W/plain"
  is "$CODE/$OUT" "1/msg: Qscanq.Test.EICAR.UNOFFICIAL FOUND" "three dead servers and a live one, run $i: virus found"
done
scan -s "$Ctcp" -s "$A_tcp" "$W/clean"
is "$CODE" 0 "first dead, second live (TCP): clean"

# A server that accepts and never answers: the deadline, then the next.
if command -v tcpserver >/dev/null; then
  hport=$((clamd_port + 1))
  # Own session, fds away from prove's: killed as a group below.
  setsid tcpserver -R -H 127.0.0.1 $hport sleep 60 </dev/null >/dev/null 2>&1 & hpid=$!
  sleep 0.5
  scan -t 2 -s 127.0.0.1:$hport "$W/plain"
  is "$CODE" 2 "silent server: exit 2"
  t "... after its 2 s deadline, not later (${SECS} s)" [ "$SECS" -le 4 ]
  scan -t 2 -s 127.0.0.1:$hport -s "$A_sock" "$W/plain"
  is "$CODE" 1 "silent server and a live one: virus found"
  t "... within one deadline (${SECS} s)" [ "$SECS" -le 4 ]
  kill -- -$hpid; wait $hpid 2>/dev/null
else
  skip "tcpserver not installed"; skip "-"; skip "-"; skip "-"
fi

# StreamMaxLength exceeded over TCP: a failure, never a pass, even with
# the virus past the limit.
clamd_start D "$QT/db" "StreamMaxLength 1M" || true
{ mail /dev/stdout; head -c 3000000 /dev/zero | tr '\0' 'a'; printf '\n'; eicar; printf '\n'; } > "$W/big-eicar"
scan -s "$D_tcp" "$W/big-eicar"
is "$CODE" 2 "StreamMaxLength exceeded (INSTREAM): exit 2, not clean"
t "... clamd's reason is reported" sh -c 'echo "$1" | grep -q "size limit exceeded"' x "$ERR"
t "... naming StreamMaxLength to raise" sh -c 'echo "$1" | grep -q "raise StreamMaxLength in clamd.conf"' x "$ERR"
scan -s "$D_sock" "$W/big-eicar"
is "$CODE" 1 "the same message over FILDES (no stream limit): virus found"
qrun "SCANCMD=qscanq-clamd -s $D_tcp" -- "$W/big-eicar"
is "$EXIT" 71 "chain: size limit exceeded defers (71)"

# Limits with AlertExceedsMax (real clamd): a clean message past
# MaxFileSize or MaxScanSize is a failure naming the setting to raise
# (71 through the chain), never a virus (31); an archive nested past
# MaxRecursion is a virus-class finding.
head -c 300000 /dev/urandom > "$W/rand.bin"
mail "$W/bigclean" "$W/rand.bin"
echo hello > "$W/h.txt"
(cd "$W" && zip -q n1.zip h.txt && zip -q n2.zip n1.zip && zip -q n3.zip n2.zip && zip -q n4.zip n3.zip)
mail "$W/nested" "$W/n4.zip"
clamd_start G "$QT/db" "AlertExceedsMax yes" "MaxFileSize 100K" "MaxRecursion 2" || true
for how in "FILDES:$G_sock" "INSTREAM:$G_tcp"; do
  label=${how%%:*} server=${how#*:}
  scan -s "$server" "$W/bigclean"
  is "$CODE/$OUT" "2/" "$label: clean message past MaxFileSize: exit 2, not a virus"
  t "... naming MaxFileSize to raise" sh -c 'echo "$1" | grep -q "raise MaxFileSize in clamd.conf"' x "$ERR"
  scan -s "$server" "$W/nested"
  is "$CODE/$OUT" "1/msg: Heuristics.Limits.Exceeded.MaxRecursion FOUND" "$label: nested past MaxRecursion: virus-class"
done
qrun "SCANCMD=qscanq-clamd -s $G_sock" -- "$W/bigclean"
is "$EXIT" 71 "chain: past MaxFileSize defers (71), never refused"
t "... nothing delivered" [ ! -e "$R/msg" ]
qrun "SCANCMD=qscanq-clamd -s $G_sock" -- "$W/nested"
is "$EXIT" 31 "chain: past MaxRecursion refused (31)"
clamd_stop G
clamd_start H "$QT/db" "AlertExceedsMax yes" "MaxFileSize 10M" "MaxScanSize 200K" || true
scan -s "$H_sock" "$W/bigclean"
is "$CODE/$OUT" "2/" "clean message past MaxScanSize: exit 2, not a virus"
t "... naming MaxScanSize to raise" sh -c 'echo "$1" | grep -q "raise MaxScanSize in clamd.conf"' x "$ERR"
qrun "SCANCMD=qscanq-clamd -s $H_sock" -- "$W/bigclean"
is "$EXIT" 71 "chain: past MaxScanSize defers (71)"

# An archive member larger than MaxFileSize is trimmed to it silently,
# even with AlertExceedsMax; with MaxScanSize = MaxFileSize (what the man
# page recommends) the trimmed member always reaches MaxScanSize, so a
# small message hiding a virus past the trim point is a failure, never
# clean.
{ head -c 3000000 /dev/zero; eicar; } > "$W/padded.bin"
(cd "$W" && zip -q padded.zip padded.bin)
mail "$W/padded" "$W/padded.zip"
clamd_start T "$QT/db" "AlertExceedsMax yes" "MaxFileSize 1M" "MaxScanSize 1M" || true
scan -s "$T_sock" "$W/padded"
is "$CODE/$OUT" "2/" "zipped member past MaxFileSize, MaxScanSize = MaxFileSize: exit 2, not clean"
t "... naming MaxScanSize to raise" sh -c 'echo "$1" | grep -q "raise MaxScanSize in clamd.conf"' x "$ERR"
qrun "SCANCMD=qscanq-clamd -s $T_sock" -- "$W/padded"
is "$EXIT" 71 "chain: the same defers (71)"
clamd_stop T

# A socket mode 0660, group qscand (as LocalSocketGroup would make it;
# set by hand here, since the test clamd runs as clamav, which may not
# chgrp to qscand's group): qscand's group is enough, others are out.
if need_root; then
  chgrp "$(gid_of "$QT_QSCAND")" "$H_sock" && chmod 0660 "$H_sock"
  OUT=$(setpriv --reuid="$(uid_of "$QT_QSCAND")" --regid="$(gid_of "$QT_QSCAND")" --clear-groups "$QC" -s "$H_sock" "$W/clean" 2>"$W/err"); CODE=$?
  is "$CODE/$OUT" "0/msg: OK" "0660 socket of group qscand: qscand (egid qscand) scans"
  OUT=$(setpriv --reuid="$(uid_of "$QT_TRUSTED")" --regid="$(gid_of "$QT_TRUSTED")" --groups="$(gid_of "$QT_QSCAND")" "$QC" -s "$H_sock" "$W/clean" 2>"$W/err"); CODE=$?
  is "$CODE/$OUT" "0/msg: OK" "... another user in group qscand too"
  OUT=$(setpriv --reuid="$(uid_of "$QT_UNTRUSTED")" --regid="$(gid_of "$QT_UNTRUSTED")" --clear-groups "$QC" -s "$H_sock" "$W/clean" 2>"$W/err"); CODE=$?
  is "$CODE" 2 "... a user outside the group: exit 2"
  t "... saying why" grep -q "Permission denied" "$W/err"
  if [ -g "$QSCANQ" ]; then
    qrun "SCANCMD=qscanq-clamd -s $H_sock" -- "$W/clean"
    is "$EXIT" 0 "chain (qscanq setgid qscand): the 0660 socket works"
  else
    skip "qscanq is not setgid in this tree"
  fi
else
  skip "not root"; skip "-"; skip "-"; skip "-"; skip "-"
fi
clamd_stop H

# Killed in the middle of a large scan: never clean.
head -c 250000000 /dev/urandom > "$W/huge"
kill_midscan() { # kill_midscan sock|tcp DESCRIPTION
  clamd_start E "$QT/db" "MaxFileSize 400M" "MaxScanSize 400M" "StreamMaxLength 400M" || true
  eval "server=\$E_$1"
  ( TMPDIR=$W "$QC" -t 60 -s "$server" "$W/huge" > "$W/huge.out" 2>&1; echo $? > "$W/huge.code" ) &
  qpid=$!
  sleep 0.5
  clamd_stop E KILL
  wait $qpid
  is "$(cat "$W/huge.code")" 2 "$2"
}
kill_midscan sock "clamd killed mid-scan (FILDES): exit 2"
kill_midscan tcp "clamd killed mid-stream (INSTREAM): exit 2"
rm -f "$W/huge"

# Constant memory: 100 MB over FILDES under softlimit -m 2000000.
if command -v softlimit >/dev/null && need_static; then
  clamd_start F "$QT/db" "MaxFileSize 400M" "MaxScanSize 400M" || true
  head -c 100000000 /dev/urandom > "$W/h100"
  OUT=$(softlimit -m 2000000 "$QC" -t 120 -s "$F_sock" "$W/h100" 2>"$W/err"); CODE=$?
  is "$CODE/$OUT" "0/msg: OK" "100 MB over FILDES under softlimit -m 2000000: clean"
  { printf 'Subject: x\n\n'; eicar; } | cat - "$W/h100" > "$W/h100v"
  rm -f "$W/h100"
  OUT=$(softlimit -m 2000000 "$QC" -t 120 -s "$F_sock" "$W/h100v" 2>"$W/err"); CODE=$?
  is "$CODE" 1 "100 MB with EICAR in front, under the same limit: virus found"
  rm -f "$W/h100v"
  clamd_stop F
elif ! need_static; then
  skip "sanitizer build: dynamically linked"; skip "sanitizer build: dynamically linked"
else
  skip "softlimit not installed"; skip "softlimit not installed"
fi

# An answer that is neither OK nor FOUND is a failure.
if command -v tcpserver >/dev/null; then
  hport=$((hport + 1))
  setsid tcpserver -R -H 127.0.0.1 $hport sh -c 'head -c 9 >/dev/null; printf "UNKNOWN COMMAND\0"' </dev/null >/dev/null 2>&1 & hpid=$!
  sleep 0.5
  scan -t 5 -s 127.0.0.1:$hport "$W/plain"
  is "$CODE" 2 "UNKNOWN COMMAND: exit 2"
  kill -- -$hpid; wait $hpid 2>/dev/null
else
  skip "tcpserver not installed"
fi

done_testing
