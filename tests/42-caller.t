#!/bin/sh
# What a caller leaves to qscanq (signal dispositions, the signal mask)
# must not change how the chain works.
. "$(dirname "$0")/lib.sh"

mail "$W/m"
envelope "$W/env"
as=
need_root && as="setpriv --reuid=$(uid_of "$QT_TRUSTED") --regid=$(gid_of "$QT_TRUSTED") --clear-groups"

# crun WRAPPER-PERL-CODE [VAR=VALUE...]: qscanq under qq-caller, started
# through perl, which sets up the caller's signal state and execs it.
crun() {
  code=$1; shift
  R=$(mktemp -d "$W/r.XXXXXX")
  chmod 1777 "$R"
  # shellcheck disable=SC2086
  env QQ_RECORD="$R" "$@" $as "$B/qq-caller" -o "$R" "$W/m" "$W/env" \
    perl -MPOSIX -e "$code; exec @ARGV or exit 111" "$QSCANQ" > "$R/caller.out" 2> "$R/caller.err"
  EXIT=$(sed -n 's/^exit=//p' "$R/caller.out")
}

crun '$SIG{CHLD} = "IGNORE"'
is "$EXIT" 0 "a caller with SIGCHLD ignored: clean mail goes through (0)"
t "... to the downstream" same "$W/m" "$R/msg"
t "... and nothing is logged" [ ! -s "$R/stderr" ]

mkdir -p "$W/scan"; chmod 1777 "$W/scan"
crun 'sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGTERM, SIGCHLD, SIGALRM)); $SIG{CHLD} = "IGNORE"' \
  "SCANCMD=/bin/sh -c 'grep ^SigBlk: /proc/self/status > $W/scan/blk'"
is "$EXIT" 0 "a caller with signals blocked and SIGCHLD ignored: 0"
is "$(cat "$W/scan/blk" 2>/dev/null)" "SigBlk:	0000000000000000" "... and the scanner starts with no signal blocked"

# The detached run-cleanq must hold nothing of the caller's: the moment
# qscanq has exited, nothing may hold the write end of the caller's fd 2
# or reply pipe (else qmail-smtpd's reply waits). All on one CPU, so a
# child that still has to be scheduled to let go would be seen.
cat > "$W/holders.pl" <<'PERL'
# usage: perl holders.pl MSG ENV PROG ARGS...: runs PROG with fd 0 = MSG,
# fd 1 = ENV, fd 2 and fd 6 = pipes; right when PROG has exited, says
# whether anything still holds the write end of either pipe.
use strict; use warnings; use POSIX qw(:sys_wait_h EAGAIN); use Fcntl;
my ($msg, $env, @prog) = @ARGV;
pipe(my $r2, my $w2) or die; pipe(my $r6, my $w6) or die;
my $pid = fork() // die;
if (!$pid) {
  open(STDIN, '<', $msg) or die; open(STDOUT, '<', $env) or die;
  POSIX::dup2(fileno($w2), 2); POSIX::dup2(fileno($w6), 6);
  exec @prog or POSIX::_exit(111);
}
close $w2; close $w6;
waitpid($pid, 0);
my $code = $? >> 8;
my @held;
for my $p ([$r2, 2], [$r6, 6]) {
  my ($fh, $n) = @$p;
  fcntl($fh, F_SETFL, O_NONBLOCK) or die;
  while (1) {
    my $r = sysread($fh, my $buf, 65536);
    if (defined $r && $r == 0) { last }
    if (!defined $r) { push @held, $n if $! == EAGAIN; last }
  }
}
print "exit=$code held=", (@held ? join(',', @held) : 'none'), "\n";
PERL
held=0 runs=0
while [ $runs -lt 40 ]; do
  runs=$((runs + 1))
  # shellcheck disable=SC2086
  out=$(QSCANQ_REPLY=notqmail taskset -c 0 $as perl "$W/holders.pl" "$W/m" "$W/env" "$QSCANQ" /bin/true)
  case "$out" in "exit=0 held=none") ;; *) held=$((held + 1)); diag "$out" ;; esac
done
is "$held" 0 "after qscanq exits nothing holds the caller's fd 2 or reply fd ($runs runs)"

done_testing
