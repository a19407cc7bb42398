#!/bin/sh
# qscanq killed, or failing, half way: the message is never handed on,
# the directory never looks in use, and cleanq takes it at once.
. "$(dirname "$0")/lib.sh"

Q=$QT_QSCAND
CLEANQ=$QT_HOME/bin/cleanq
as=
need_root && as="setpriv --reuid=$(uid_of "$QT_TRUSTED") --regid=$(gid_of "$QT_TRUSTED") --clear-groups"
asq() { if need_root; then setpriv --reuid="$(uid_of "$Q")" --regid="$(gid_of "$Q")" --clear-groups "$@"; else "$@"; fi; }
envelope "$W/env"
mail "$W/m"
newest() { ls -dt "$QT_SPOOL"/@* 2>/dev/null | head -n 1; }

# kill -9 qscanq while qscanq-stdin still reads a slow message. The
# spool's lock is held meanwhile: qscanq's own run-cleanq, started while
# the message is read, would otherwise take the abandoned directory as
# soon as qscanq is gone, before the pass this test makes.
exec 9>>"$QT_SPOOL/lock"; flock 9
R=$(mktemp -d "$W/r.XXXXXX"); chmod 1777 "$R"
ls -d "$QT_SPOOL"/@* > "$W/before" 2>/dev/null
# shellcheck disable=SC2086
( printf 'Subject: slow\n\n'; sleep 3; printf 'rest of it\n' ) |
  $as "$QSCANQ" "$B/qq-record" -u "$(uid_of "$Q")" "$R" 0 1< "$W/env" 2> "$W/kill.err" &
pid=$!
md= n=0
while [ $n -lt 50 ]; do
  for x in "$QT_SPOOL"/@*; do
    grep -qxF "$x" "$W/before" || { [ -e "$x/work/msg" ] && md=$x; }
  done
  [ -n "$md" ] && break
  n=$((n + 1)); sleep 0.1
done
t "qscanq-stdin is reading the message into ${md##*/}" [ -n "$md" ]
kill -9 $pid
wait
# The writer finished its message; give a surviving qscanq-stdin the
# time to scan it and hand it on.
sleep 2
# qscanq-stdin dies with qscanq (its own death signal: an exec with
# effective ids other than the real ones clears the one qscanq could
# set), and before handing on it checks qscanq's lock on the directory.
t "qscanq killed: the downstream never ran" [ ! -e "$R/ids" ]
is "$(stat -c %a "$md")" 1700 "... its directory is still sticky"
exec 9>&-
"$CLEANQ" -l > "$W/out" 2> "$W/err"
is "$?" 0 "the next cleanq pass: 0"
t "... removed the directory (its lock is free)" [ ! -e "$md" ]
t "... and said so" grep -qx "removed abandoned ${md##*/}" "$W/out"

# A failure after the directory was made (fork, RLIMIT_NPROC): the
# directory is not left looking in use.
if need_root; then
  exec 9>>"$QT_SPOOL/lock"; flock -w 30 9
  qrun -l "prlimit --nproc=1 --" -- "$W/m"
  is "$EXIT" 71 "qscanq cannot fork: 71"
  t "... nothing passed on" [ ! -e "$R/ids" ]
  is "$(stat -c %a "$(newest)")" 700 "... and the directory is not sticky"
  exec 9>&-
else
  for i in 1 2 3; do skip "RLIMIT_NPROC on a throwaway user: needs root"; done
fi

# Killed by a signal: which process was it?
qrun QSCANQ_LOG=1 -- "$W/m" sh -c "echo \$\$ > $W/dspid; kill -9 \$\$"
is "$EXIT" 71 "the downstream program killed by a signal: 71"
t "... and the log names the downstream program" grep -q "the downstream program (pid $(cat "$W/dspid")) was killed by signal 9" "$R/stderr"
t "... not qscanq-stdin" sh -c '! grep -q "qscanq-stdin.*killed" "$1/stderr"' x "$R"
t "... the QSCANQ_LOG line is still there" grep -q "^qscanq: @[0-9a-f.]*: verdict=clean .* exit=71" "$R/stderr"
qrun "SCANCMD=/bin/sh -c 'kill -9 \$PPID'" -- "$W/m" $(rec)
is "$EXIT" 71 "qscanq-stdin killed by a signal during the scan: 71"
t "... and the log says qscanq-stdin was killed" grep -q "qscanq-stdin was killed by signal 9" "$R/stderr"
t "... nothing passed on" [ ! -e "$R/ids" ]

done_testing
