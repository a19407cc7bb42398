#!/bin/sh
# What a scanner starts does not outlive its verdict, cannot change the
# message that is passed on, and cannot be signalled through the caller's
# terminal; qscanq-stdin passes nothing on once qscanq is gone, copes with
# a caller that ignores SIGCHLD, and always sends qscanq its log line.
. "$(dirname "$0")/lib.sh"

nothing_passed() { [ ! -e "$R/msg" ]; }
mail "$W/clean"
gone() { ! pgrep -f "$1" >/dev/null; }

# A detached (setsid) grandchild, still running when the scanner says
# clean, holding the report pipe and fd 2 ...
qrun "SCANCMD=/bin/sh -c 'setsid /bin/sh -c \"sleep 2; touch $W/escaped\" & sleep 0.3; exit 0'" -- "$W/clean"
is "$EXIT" 0 "scanner with a detached child says clean: 0"
t "... the caller sees EOF on fd 2 at once (${EOF_MS} ms after the exit)" [ "$EOF_MS" -lt 1000 ]
sleep 3
t "... and the child never ran to its end" [ ! -e "$W/escaped" ]
# ... or with its descriptors closed.
qrun "SCANCMD=/bin/sh -c 'setsid /bin/sh -c \"sleep 2; touch $W/escaped2\" </dev/null >/dev/null 2>&1 & sleep 0.3; exit 0'" -- "$W/clean"
is "$EXIT" 0 "scanner with a detached child, descriptors closed: 0"
t "... the detached child is gone when qscanq returns" gone "touch $W/escaped2"
sleep 3
t "... and never ran to its end" [ ! -e "$W/escaped2" ]

# One that rewrites msg while the scanner runs and lives on.
qrun "SCANCMD=/bin/sh -c 'setsid /bin/sh -c \"echo X >> msg; sleep 31.5; : $W\" </dev/null >/dev/null 2>&1 & sleep 0.5; exit 0'" -- "$W/clean"
is "$EXIT" 71 "msg rewritten by a detached child of a clean scanner: 71"
t "... nothing passed on" nothing_passed
t "... and said so" grep -q "msg changed after it was saved" "$R/stderr"
t "... the detached child is gone" gone "sleep 31.5; : $W"

# Same size, mtime put back: ctime still tells.
qrun "SCANCMD=/bin/sh -c 'touch -r msg ref; printf Y | dd of=msg conv=notrunc 2>/dev/null; touch -r ref msg'" -- "$W/clean"
is "$EXIT" 71 "msg rewritten in place, size and mtime kept: 71"
t "... nothing passed on" nothing_passed
# Another file renamed over msg.
qrun "SCANCMD=/bin/sh -c 'cp msg new && mv -f new msg'" -- "$W/clean"
is "$EXIT" 71 "msg replaced by another file: 71"

# A caller holding a pty cannot stop, interrupt or core-dump the scanner:
# it is in a session of its own, so no terminal can signal it.
qrun -l "$B/qq-pty $W/pty.out" "SCANCMD=/bin/sh -c 'sleep 2; exit 0'" -- "$W/clean"
if [ "$EXIT" = 77 ]; then
  for i in 1 2 3 4; do skip "no pty here"; done
else
  is "$EXIT" 0 "caller typing ^C ^\\ ^Z on its terminal: the scanner's verdict (clean) stands"
  t "... the message passed" same "$W/clean" "$R/msg"
  is "$(cat "$W/pty.out")" "attacks=0" "... no scanner process group could be made the terminal's foreground"
  is "$(find "$QT_SPOOL" -name 'core*' | wc -l | tr -d ' ')" 0 "... no core file in the spool"
fi

# The scanner's own world: no core dumps whatever the caller's limit,
# a session of its own, no signal ignored or blocked whatever the
# caller's dispositions and mask.
cat > "$W/sigcaller" <<'EOP'
use POSIX;
$SIG{INT} = $SIG{TERM} = $SIG{QUIT} = 'IGNORE';
sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGALRM, SIGUSR1));
exec(@ARGV) or exit 127;
EOP
rm -f "$W/world"
qrun -l "prlimit --core=unlimited -- perl $W/sigcaller" "SCANCMD=/bin/sh -c 'echo core=\$(ulimit -c) sid=\$(ps -o sid= -p \$\$ | tr -d \" \") pid=\$\$ \$(grep -E \"^Sig(Ign|Blk)\" /proc/\$\$/status | tr -d \"\\t\" | tr \"\\n\" \" \") > $W/world'" -- "$W/clean"
world=$(cat "$W/world")
pid=${world#*pid=}; pid=${pid%% *}
is "$EXIT" 0 "scanner recording its world: 0"
is "${world%% *}" "core=0" "scanner: no core dumps (RLIMIT_CORE 0) though the caller allowed them"
is "$(echo "$world" | sed 's/.*sid=\([0-9]*\).*/\1/')" "$pid" "scanner: a session of its own (sid = its pid)"
t "scanner: no signal ignored or blocked though the caller ignored INT, TERM, QUIT and blocked ALRM, USR1 ($world)" \
  sh -c 'case "$1" in *"SigBlk:0000000000000000 SigIgn:0000000000000000") exit 0 ;; *) exit 1 ;; esac' x "$world"

# qscanq-stdin on its own, in a directory of ours, to see its log line and to
# give it parents qscanq would not be. It goes on only while its parent
# holds qscanq's lock on the message directory: flock(1) plays that
# parent (before a -l PREFIX); a -L PREFIX must take the lock itself.
STDIN=$QT_HOME/libexec/qscanq/qscanq-stdin
srun() { # srun [-l PREFIX | -L PREFIX] [VAR=VALUE...] -- MSGFILE [args...]
  D=$(mktemp -d "$W/d.XXXXXX")
  lim="flock $D"
  case "$1" in
    -l) lim="flock $D $2"; shift 2 ;;
    -L) lim=$2; shift 2 ;;
  esac
  mkdir "$D/work"
  R=$(mktemp -d "$W/r.XXXXXX")
  (
    while [ "$1" != -- ]; do export "$1"; shift; done
    shift
    msgf=$1; shift
    export QQ_RECORD="$R"
    # The log pipe qscanq gives it, played by a file.
    export QSCANQ_LOGFD=7
    exec 7> "$D/log"
    cd "$D/work" && exec "$B/qq-caller" -o "$R" "$msgf" "$W/env" $lim "$STDIN" "$@" > "$R/caller.out"
  )
  EXIT=$(sed -n 's/^exit=//p' "$R/caller.out")
}

srun -- "$W/clean"
is "$EXIT" 0 "qscanq-stdin alone, default scanner, clean: 0"
case "$(cat "$D/log")" in
  "verdict=clean from=<sender@example.org> rcpts=1 msgid=<"*"@qscanq.test> bytes=$(wc -c < "$W/clean" | tr -d ' ') scan_ms="*" scanner=qscanq-clamav scanexit=0") r=0 ;;
  *) r=1; diag "$(cat "$D/log")" ;;
esac
ok $r "the log line is sent without QSCANQ_LOG: verdict, from, rcpts, msgid, bytes, scan_ms, scanner"
srun -- "$W/clean" /nonexistent/qmail-queue
is "$EXIT" 71 "downstream cannot be executed: 71"
t "... the last log line says verdict=fail" sh -c 'tail -n 1 "$1" | grep -q "^verdict=fail "' x "$D/log"

# SIGCHLD ignored and signals blocked by the caller.
cat > "$W/sigwrap" <<'EOP'
use POSIX;
$SIG{CHLD} = 'IGNORE';
sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGTERM, SIGALRM));
exec(@ARGV) or exit 127;
EOP
srun -l "perl $W/sigwrap" SCANCMD=/bin/true -- "$W/clean"
is "$EXIT" 0 "caller ignores SIGCHLD and blocks signals: the scanner's verdict still counts (0)"
t "... the message passed" same "$W/clean" "$R/msg"

# A scanner that closes its report pipe and goes on: no busy wait.
cat > "$W/cputime" <<'EOP'
my $file = shift;
system(@ARGV);
my @t = times;
open(my $f, '>', $file) or exit 100;
printf $f "%d\n", ($t[2] + $t[3]) * 1000;
exit($? >> 8);
EOP
srun -l "perl $W/cputime $W/cpu" "SCANCMD=/bin/sh -c 'exec >&-; sleep 2'" -- "$W/clean"
is "$EXIT" 0 "scanner closing its stdout and running on: 0"
t "... qscanq-stdin did not spin meanwhile ($(cat "$W/cpu") ms of CPU)" [ "$(cat "$W/cpu")" -lt 150 ]

# qscanq dies while the scanner runs: nothing passed on, the scanner and
# what it started are killed.
# (An asynchronous command's stdin is /dev/null unless saved first.)
printf '#!/bin/sh\nexec 3<&0 9<..\nflock -x 9\n"$@" <&3 3<&- 9<&- &\nsleep 0.5\nexit 0\n' > "$W/shortparent"
chmod 755 "$W/shortparent"
srun -L "$W/shortparent" "SCANCMD=/bin/sh -c 'setsid /bin/sh -c \"sleep 6.5; : $W\" </dev/null >/dev/null 2>&1 & sleep 3; exit 0'" -- "$W/clean"
t "parent gone mid-scan: the scanner's processes are gone at once" gone "sleep 6.5; : $W"
sleep 4
t "... nothing passed on, even after the scanner would have said clean" nothing_passed
t "... the log line says verdict=fail" grep -q "^verdict=fail .*scanexit=parentgone" "$D/log"
t "... and said why" grep -q "qscanq is gone" "$R/stderr"

done_testing
