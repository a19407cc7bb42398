#!/bin/sh
# A list entry whose first word is qscanq-clamd runs inside qscanq-stdin:
# no scanner process, the same options, deadlines, peer rule, report, log
# fields and verdicts as the program. A fake clamd (run as root, so the
# peer rule lets it answer) records which program connected to it.
. "$(dirname "$0")/lib.sh"
need_root || plan_skip_all "needs root (the setuid chain)"

pids= srvas=
trap 'for p in $pids; do kill $p 2>/dev/null; done' EXIT
# server NAME MODE: on $W/NAME.sock, one line per connection in $W/NAME.log:
# the peer's command name. MODE ok: "fd[5]: OK"; virus: a FOUND; mute:
# no answer, ever.
server() {
  rm -f "$W/$1.sock" "$W/$1.log"
  $srvas perl -MSocket -e '
    my ($path, $log, $mode) = @ARGV;
    socket(my $l, PF_UNIX, SOCK_STREAM, 0) or die;
    bind($l, pack_sockaddr_un($path)) or die; chmod 0777, $path;
    listen($l, 16) or die;
    open(my $o, ">>", $log) or die; select((select($o), $| = 1)[0]); print $o "ready\n";
    while (accept(my $c, $l)) {
      my ($pid) = unpack("i", getsockopt($c, SOL_SOCKET, SO_PEERCRED));
      open(my $f, "<", "/proc/$pid/comm"); my $comm = <$f> // "?\n";
      my $cmd = ""; my $b;
      while (sysread($c, $b, 1) == 1) { last if $b eq "\0"; $cmd .= $b; }
      sysread($c, $b, 1) if $cmd eq "zFILDES"; # the byte carrying the descriptor
      print $o "peer=$comm";
      if ($mode eq "mute") { sleep 30; next; }
      syswrite($c, $mode eq "ok" ? "fd[5]: OK\0" : "fd[5]: Test.Sig FOUND\0");
    }' "$W/$1.sock" "$W/$1.log" "$2" &
  pids="$pids $!"
  i=0
  while [ ! -s "$W/$1.log" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}
mail "$W/clean"

server ok ok
qrun QSCANQ_LOG=1 "SCANCMD=qscanq-clamd -t 5 -s $W/ok.sock" -- "$W/clean"
is "$EXIT" 0 "qscanq-clamd entry, server says OK: passed (0)"
t "... whole" same "$W/clean" "$R/msg"
is "$(grep '^peer=' "$W/ok.log")" "peer=qscanq-stdin" "... the client was qscanq-stdin itself: no qscanq-clamd process"
t "... the log line names the scanner and its exit" grep -q "verdict=clean .*scanner=qscanq-clamd scanexit=0" "$R/stderr"

server virus virus
qrun QSCANQ_LOG=1 "SCANCMD=/bin/true ; qscanq-clamd -t 5 -s $W/virus.sock" -- "$W/clean"
is "$EXIT" 31 "second in a list, server says FOUND: refused as a virus (31)"
is "$(grep '^peer=' "$W/virus.log")" "peer=qscanq-stdin" "... in process"
t "... the log has the signature and the scanner's exit 1" grep -q "verdict=virus sig=Test.Sig .*scanner=qscanq-clamd scanexit=1" "$R/stderr"

qrun QSCANQ_LOG=1 "SCANCMD=qscanq-clamd -x -s $W/ok.sock" -- "$W/clean"
is "$EXIT" 71 "a bad option (-x): a failure (71), as the program's usage error"
t "... its usage message, under its name" grep -q "^qscanq-clamd: usage: qscanq-clamd" "$R/stderr"
t "... logged as its exit 2" grep -q "verdict=fail .*scanner=qscanq-clamd scanexit=2" "$R/stderr"
is "$(grep -c '^peer=' "$W/ok.log")" 1 "... and no server was asked"
qrun "SCANCMD=qscanq-clamd -t 0 -s $W/ok.sock" -- "$W/clean"
is "$EXIT" 71 "-t 0: a usage error too (71)"

server mute mute
qrun QSCANQ_LOG=1 "SCANCMD=qscanq-clamd -t 1 -s $W/mute.sock" -- "$W/clean"
is "$EXIT" 71 "a server that never answers, -t 1: a failure (71)"
t "... the read timed out" grep -q "^qscanq-clamd: warning: unable to read a reply from $W/mute.sock: timed out" "$R/stderr"
t "... and nothing was passed on" [ ! -e "$R/msg" ]

# Another user's server: refused before anything is sent (the peer rule).
rm -f "$W/nobody.sock"
setpriv --reuid="$(uid_of "$QT_UNTRUSTED")" --regid="$(gid_of "$QT_UNTRUSTED")" --clear-groups \
  "$B/qq-fakeclamd" -s "$W/nobody.sock" -l "$W/nobody.log" -r 'fd[5]: OK\0' &
pids="$pids $!"
i=0
while [ ! -s "$W/nobody.log" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
qrun "SCANCMD=qscanq-clamd -t 5 -s $W/nobody.sock" -- "$W/clean"
is "$EXIT" 71 "a server run by another user, although it says OK: 71"
t "... refused by its uid" grep -q "runs as uid $(uid_of "$QT_UNTRUSTED"), not root" "$R/stderr"

# The peer rule reads /etc/passwd only for a peer that is neither root
# nor our own euid (qscand under qscanq): not once per message.
QC=$QT_HOME/bin/qscanq-clamd
if command -v strace >/dev/null 2>&1; then
  strace -f -qq -e trace=open,openat -o "$W/trace" "$QC" -t 5 -s "$W/ok.sock" "$W/clean" >"$W/out" 2>&1
  is "$?/$(grep -c /etc/passwd "$W/trace")" "0/0" "the program, root's server: clean, and no passwd lookup"
  srvas="setpriv --reuid=$(uid_of "$QT_QSCAND") --regid=$(gid_of "$QT_QSCAND") --clear-groups"
  server q ok
  srvas=
  strace -f -qq -e trace=open,openat -o "$W/trace" "$QC" -t 5 -s "$W/q.sock" "$W/clean" >"$W/out" 2>&1
  r=$?
  is "$r" 0 "run as root, a server run by qscand: accepted (looked up)"
  t "... /etc/passwd was read for it" grep -q /etc/passwd "$W/trace"
else
  skip "no strace"; skip "no strace"; skip "no strace"
fi
done_testing
