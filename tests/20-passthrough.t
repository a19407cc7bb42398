#!/bin/sh
# Clean messages reach the downstream byte for byte; the envelope arrives
# byte for byte; the downstream's own exit code comes back.
. "$(dirname "$0")/lib.sh"

# A scanner that says clean without reading: passthrough is about qscanq.
CLEAN="SCANCMD=/bin/true"

check() { # check DESCRIPTION FILE
  qrun $CLEAN -- "$2"
  is "$EXIT" 0 "$1: exit 0"
  t "$1: downstream got the message byte for byte" same "$2" "$R/msg"
  t "$1: downstream got the envelope byte for byte" same "$W/env" "$R/env"
  is "$(cat "$R/fd0" 2>/dev/null)" "rdonly offset 0" "$1: fd 0 read-only at offset 0"
  is "$WRITEERR" "" "$1: the caller's writes all succeeded"
}

: > "$W/empty"; check "empty message" "$W/empty"
printf x > "$W/one"; check "one byte" "$W/one"
printf 'Subject: x\n\nno final newline' > "$W/nonl"; check "no final newline" "$W/nonl"
printf 'a\0b\0\0c\n\0' > "$W/nul"; check "NUL bytes" "$W/nul"
head -c 52428800 /dev/urandom > "$W/big"; check "50 MB message" "$W/big"
rm -f "$W/big"

# A long envelope, larger than a pipe buffer: still untouched.
awk 'BEGIN { printf "Fs@example.org%c", 0; for (i = 0; i < 5000; i++) printf "Trcpt%d@example.net%c", i, 0; printf "%c", 0 }' > "$W/env"
mail "$W/m"
qrun $CLEAN -- "$W/m"
is "$EXIT" 0 "5000 recipients: exit 0"
t "5000 recipients: envelope byte for byte" same "$W/env" "$R/env"
envelope "$W/env"

# The downstream's code, whatever it is, is qscanq's.
for code in 0 11 31 51 71 81; do
  qrun $CLEAN QQ_EXIT=$code -- "$W/m"
  is "$EXIT" "$code" "downstream exit $code is passed through"
done

# Real scanner, clean verdict.
qrun -- "$W/m"
is "$EXIT" 0 "clean mail through qscanq-clamav: exit 0"
t "clean mail through qscanq-clamav: byte for byte" same "$W/m" "$R/msg"

# A program named on the command line replaces qmail-queue; QMAILQUEUE is
# not consulted (it would loop back into qscanq).
qrun $CLEAN QMAILQUEUE="$QSCANQ" -- "$W/m" $(rec) 7
is "$EXIT" 7 "prog on the command line runs instead of qmail-queue"
t "... and gets the message" same "$W/m" "$R/msg"
t "... and the caller's environment untouched" grep -qx "QMAILQUEUE=$QSCANQ" "$R/environ"

# Only 0, 1, 2 reach the downstream (plain mode); the reply fd in
# notqmail mode.
qrun $CLEAN -- "$W/m"
is "$(tr '\n' ' ' < "$R/fds")" "0 1 2 " "downstream has fds 0 1 2 only"
qrun -r 6 $CLEAN QSCANQ_REPLY=notqmail -- "$W/m"
is "$(tr '\n' ' ' < "$R/fds")" "0 1 2 6 " "notqmail mode: the reply fd 6 is kept"

# qscanq-stdin sends qscanq its log line on a pipe, not in a file: the
# message directory holds work/ alone when the message is handed on, and
# QSCANQ_LOGFD (qscanq's own; a caller's is replaced) is not passed on.
printf '#!/bin/sh\nls -a .. > %s/updir\nexec "$@"\n' "$W" > "$W/lsup"
chmod 755 "$W/lsup"
qrun -u root $CLEAN QSCANQ_LOGFD=5 -- "$W/m" "$W/lsup" $(rec) 0
is "$EXIT" 0 "a caller's QSCANQ_LOGFD=5: exit 0"
is "$(tr '\n' ' ' < "$W/updir")" ". .. work " "... the message directory holds work/ only (no log file)"
t "... and QSCANQ_LOGFD is not passed on" sh -c '! grep -q "^QSCANQ_LOGFD=" "$1"' x "$R/environ"
is "$(tr '\n' ' ' < "$R/fds")" "0 1 2 " "... nor the log pipe: fds 0 1 2 only"

# The caller's SIGPIPE and SIGXFSZ dispositions reach the downstream
# (qscanq-stdin ignores both while it works).
cat > "$W/ignore" <<'EOP'
$SIG{PIPE} = 'IGNORE';
exec(@ARGV) or exit 127;
EOP
printf '#!/bin/sh\nsed -n "s/^SigIgn:[[:space:]]*//p" /proc/$$/status > %s/sigign\nexec "$@"\n' "$W" > "$W/sigs"
chmod 755 "$W/sigs"
qrun -l "perl $W/ignore" $CLEAN -- "$W/m" "$W/sigs" $(rec) 0
is "$EXIT" 0 "caller ignoring SIGPIPE: exit 0"
is "$(( 0x$(cat "$W/sigign") >> 12 & 1 ))/$(( 0x$(cat "$W/sigign") >> 24 & 1 ))" "1/0" "... the downstream ignores SIGPIPE as the caller did, not SIGXFSZ"
qrun $CLEAN -- "$W/m" "$W/sigs" $(rec) 0
is "$(( 0x$(cat "$W/sigign") >> 12 & 1 ))/$(( 0x$(cat "$W/sigign") >> 24 & 1 ))" "0/0" "caller with default SIGPIPE: so has the downstream"

done_testing
