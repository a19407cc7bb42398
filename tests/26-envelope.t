#!/bin/sh
# The envelope: read to its end before the scan (as qmail-queue would),
# kept in ./env, and handed to the downstream as fd 1, a regular file at
# offset 0 holding byte for byte what the caller wrote.
. "$(dirname "$0")/lib.sh"

CLEAN="SCANCMD=/bin/true"
nothing_passed() { [ ! -e "$R/msg" ]; }
mail "$W/m"
{ printf 'Subject: x\n\n'; eicar; printf '\n'; } > "$W/virus"

qrun $CLEAN -- "$W/m" "$B/qq-fdinfo" "$W/fdinfo" 0 1 -- $(rec) 0
is "$EXIT" 0 "clean: exit 0"
is "$(sed -n 2p "$W/fdinfo")" "1 reg rdonly offset 0" "downstream's fd 1 is a regular file, read-only, at offset 0"
is "$(sed -n 1p "$W/fdinfo")" "0 reg rdonly offset 0" "downstream's fd 0 is a regular file, read-only, at offset 0"
t "... holding the caller's envelope byte for byte" same "$W/env" "$R/env"

# Larger than a pipe buffer, with a bounce's empty sender.
awk 'BEGIN { printf "F%c", 0; for (i = 0; i < 5000; i++) printf "Trcpt%d@example.net%c", i, 0; printf "%c", 0 }' > "$W/env"
qrun $CLEAN -- "$W/m" "$B/qq-fdinfo" "$W/fdinfo" 1 -- $(rec) 0
is "$EXIT" 0 "5000 recipients, empty sender: exit 0"
is "$(cat "$W/fdinfo")" "1 reg rdonly offset 0" "... fd 1 a regular file at offset 0"
t "... the envelope byte for byte" same "$W/env" "$R/env"
qrun -- "$W/virus"
is "$EXIT" 31 "refused with a 5000-recipient envelope: 31"
is "$WRITEERR" "" "... and the caller's envelope write succeeded (554, not 451)"
t "... nothing passed on" nothing_passed
qrun "SCANCMD=/bin/sh -c 'exit 2'" -- "$W/m"
is "$EXIT/$WRITEERR" "71/" "scanner failure: 71, the caller's writes succeeded"
envelope "$W/env"

# A scanner runs as qscand, who owns env: a changed envelope (an added
# recipient) is never passed on.
qrun "SCANCMD=/bin/sh -c 'printf \"Tevil@example.com\\\\0\" >> env'" -- "$W/m"
is "$EXIT" 71 "envelope changed by a scanner: 71"
t "... nothing passed on" nothing_passed
t "... and said so" grep -q "env changed after it was saved" "$R/stderr"

# The envelope cannot be read (fd 1 write-only): a read error, as in
# qmail-queue.
as_trusted() {
  if need_root; then setpriv --reuid="$(uid_of "$QT_TRUSTED")" --regid="$(gid_of "$QT_TRUSTED")" --clear-groups "$@"; else "$@"; fi
}
as_trusted sh -c '"$0" < "$1/m" > /dev/null 2>"$1/err"; echo $? > "$1/code"' "$QSCANQ" "$W"
is "$(cat "$W/code")" 54 "envelope not readable (fd 1 write-only): 54"
t "... logged" grep -q "unable to read the envelope" "$W/err"

done_testing
