#!/bin/sh
# run-cleanq spaces its passes: one that started less than a second ago
# is not repeated at once, the next waits out the second holding the
# lock, and every message finished meanwhile goes in that pass. The bound
# (run-cleanq(8)): a finished directory is gone 1 s after its message,
# plus the pass itself. Polled, with a wide margin: no timing can flake.
. "$(dirname "$0")/lib.sh"
need_root || plan_skip_all "needs root (the setuid chain and its spool)"

mail "$W/clean"
S=$QT_SPOOL
name() { sed -n 's/^qscanq: \(@[0-9a-f.]*\): .*/\1/p' "$R/stderr"; }
gone_within() { # gone_within SECONDS NAME...: polls
  n=0 max=$(($1 * 10)); shift
  while [ $n -lt $max ]; do
    left=0
    for d do [ -e "$S/$d" ] && left=1; done
    [ $left = 0 ] && return 0
    sleep 0.1; n=$((n + 1))
  done
  return 1
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

names=
for i in 1 2 3 4; do
  qrun QSCANQ_LOG=1 "SCANCMD=/bin/true" -- "$W/clean"
  is "$EXIT" 0 "message $i of a burst passed"
  names="$names $(name)"
done
is "$(echo $names | wc -w | tr -d ' ')" 4 "... four directories named in the log"
t "... all four gone within 1 s plus a margin of 5" gone_within 6 $names

# A pass started just now: the next message's directory waits for the
# next pass, which comes within the second.
t0=$(now_ms)
touch "$S/lock"
qrun QSCANQ_LOG=1 "SCANCMD=/bin/true" -- "$W/clean"
d=$(name)
sleep 0.3
there=no; [ -e "$S/$d" ] && there=yes
t1=$(now_ms)
if [ $((t1 - t0)) -lt 800 ]; then
  is "$there" yes "a message right after a pass: its directory is still there 0.3 s after qscanq returned (no pass per message)"
else
  skip "the message took $((t1 - t0)) ms: too slow here to see the wait"
fi
t "... and gone within 1 s plus a margin of 5" gone_within 6 "$d"
t "... the lock file's time moved (the pass ran)" [ "$(stat -c %Y "$S/lock")" -ge $((t0 / 1000)) ]

# qscanq starts run-cleanq while its message is still being worked on
# (the spawn is then not between the verdict and qscanq's exit), with
# QSCANQ_AFTER its pid: run-cleanq waits for its parent's exit before it
# passes. Here the parent is a shell that waits a second.
RUNCLEANQ=$QT_HOME/libexec/qscanq/run-cleanq
mkdir -m 700 "$S/@fin" && chown "$QT_QSCAND:$QT_QSCAND" "$S/@fin"
touch -d '1 minute ago' "$S/lock"
sh -c 'SCANDIR=$1 QSCANQ_AFTER=$$ "$2" & sleep 1; [ -e "$1/@fin" ] && echo waited > "$3"' x "$S" "$RUNCLEANQ" "$W/waited"
is "$(cat "$W/waited" 2>/dev/null)" waited "run-cleanq with QSCANQ_AFTER=its parent: no pass while the parent lives"
t "... the pass once it is gone" gone_within 6 @fin
mkdir -m 700 "$S/@fin2" && chown "$QT_QSCAND:$QT_QSCAND" "$S/@fin2"
touch -d '1 minute ago' "$S/lock"
sh -c 'SCANDIR=$1 QSCANQ_AFTER=1 "$2" & sleep 1; [ -e "$1/@fin2" ] || echo passed > "$3"' x "$S" "$RUNCLEANQ" "$W/passed"
is "$(cat "$W/passed" 2>/dev/null)" passed "... QSCANQ_AFTER naming another process: the pass at once"
done_testing
