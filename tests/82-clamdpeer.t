#!/bin/sh
# qscanq-clamd's peer check: on a Unix socket the server must run as
# root, the clamd user (-u, default clamav) or qscand, checked before the
# descriptor (or any byte of the message) is sent. A fake clamd run as
# another user records what it got: nothing.
. "$(dirname "$0")/lib.sh"
need_root || plan_skip_all "needs root (a fake clamd run as another user)"

QC=$QT_HOME/bin/qscanq-clamd
FAKE=$B/qq-fakeclamd
fakes=
trap 'for p in $fakes; do kill $p 2>/dev/null; done' EXIT

# fake USER NAME: a fake clamd run as USER on $W/NAME.sock, answering OK
# (or FOUND with -v), logging to $W/NAME.log.
fake() {
  u=$1 n=$2; shift 2
  rm -f "$W/$n.log" "$W/$n.sock"
  setpriv --reuid="$(uid_of "$u")" --regid="$(gid_of "$u")" --clear-groups \
    "$FAKE" -s "$W/$n.sock" -l "$W/$n.log" "$@" &
  fakes="$fakes $!"
  i=0
  while [ ! -s "$W/$n.log" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}
scan() { # scan ARGS...: sets CODE, OUT, ERR
  OUT=$(TMPDIR=$W "$QC" "$@" 2>"$W/err"); CODE=$?
  ERR=$(cat "$W/err")
}
# got NAME: what the fake NAME received, one line per connection.
got() { grep '^cmd=' "$W/$1.log"; }

mail "$W/clean"

fake "$QT_UNTRUSTED" stranger -r 'fd[5]: OK\0'
scan -t 5 -s "$W/stranger.sock" "$W/clean"
is "$CODE/$OUT" "2/" "a server run by another user: exit 2, although it says OK"
is "$(got stranger)" "cmd=- fds=0 fdsize=-1 bytes=0" "... it was connected to, and got no descriptor, no command"
t "... the refusal names its uid" sh -c 'printf "%s\n" "$1" | grep -q "runs as uid $2, not root"' x "$ERR" "$(uid_of "$QT_UNTRUSTED")"
scan -t 5 -i -s "$W/stranger.sock" "$W/clean"
is "$CODE" 2 "... INSTREAM (-i) to it: exit 2"
is "$(got stranger | tail -n 1)" "cmd=- fds=0 fdsize=-1 bytes=0" "... and it got no byte of the message"
fake "$QT_UNTRUSTED" pong -r 'PONG\0'
scan -t 5 -P -s "$W/pong.sock"
is "$CODE" 2 "PING (-P) to a stranger's server that says PONG: 2"

fake "$QT_QSCAND" own -r 'fd[5]: OK\0'
scan -t 5 -s "$W/own.sock" "$W/clean"
is "$CODE/$OUT" "0/msg: OK" "a server run by qscand (conf-users): trusted"
is "$(got own)" "cmd=zFILDES fds=1 fdsize=$(wc -c < "$W/clean") bytes=0" "... it got the descriptor"
fake root rootd -r 'fd[5]: OK\0'
scan -t 5 -s "$W/rootd.sock" "$W/clean"
is "$CODE" 0 "a server run by root: trusted"
if id clamav >/dev/null 2>&1; then
  fake clamav clamav -r 'fd[5]: OK\0'
  scan -t 5 -s "$W/clamav.sock" "$W/clean"
  is "$CODE" 0 "a server run by clamav (the default -u): trusted"
else
  skip "no clamav user"
fi
scan -t 5 -u "$QT_UNTRUSTED" -s "$W/stranger.sock" "$W/clean"
is "$CODE/$OUT" "0/msg: OK" "-u names the stranger as the clamd user: trusted"
scan -t 5 -u nosuchuser.qscanq -s "$W/own.sock" "$W/clean"
is "$CODE" 0 "-u an unknown user: root and qscand still trusted"
scan -t 5 -u nosuchuser.qscanq -s "$W/clamav.sock" "$W/clean"
is "$CODE" 2 "... but clamav no longer is"

# A stranger's server first, a trusted one next: the stranger is skipped
# and never gets the descriptor, whichever comes first.
fake "$QT_UNTRUSTED" stranger2 -r 'fd[5]: Eicar FOUND\0'
for i in 1 2 3 4; do
  scan -t 5 -s "$W/stranger2.sock" -s "$W/own.sock" "$W/clean"
  is "$CODE/$OUT" "0/msg: OK" "stranger (saying FOUND) and a trusted server, run $i: the trusted one decides"
done
t "... the stranger never got a descriptor" sh -c '! grep -q "fds=[1-9]" "$1"' x "$W/stranger2.log"

# Through the chain: the stranger's OK does not deliver.
before=$(got stranger | wc -l)
qrun "SCANCMD=qscanq-clamd -t 5 -s $W/stranger.sock" -- "$W/clean"
is "$EXIT" 71 "chain, a stranger's server: 71"
t "... nothing delivered" [ ! -e "$R/msg" ]
is "$(got stranger | sed -n "$((before + 1)),\$p")" "cmd=- fds=0 fdsize=-1 bytes=0" "... the stranger was connected to and got nothing"

done_testing
