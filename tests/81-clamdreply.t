#!/bin/sh
# qscanq-clamd against a fake clamd (qq-fakeclamd) sending the replies a
# real one cannot be made to send: the grammar is strict, every odd reply
# is a failure (exit 2; 71 through the chain, nothing delivered), the
# diagnostics say what happened, and a failing server hands over to the
# next.
. "$(dirname "$0")/lib.sh"

QC=$QT_HOME/bin/qscanq-clamd
FAKE=$B/qq-fakeclamd
fport=$(( 30000 + ($$ * 11) % 20000 ))
fakes=
trap 'for p in $fakes; do kill $p 2>/dev/null; done' EXIT

# fake NAME REPLY [qq-fakeclamd args]: a fake clamd on $W/NAME.sock (or,
# with -p, a port); sets FAKE_LOG. Waits until it listens.
fake() {
  n=$1 r=$2; shift 2
  FAKE_LOG=$W/$n.log
  rm -f "$FAKE_LOG" "$W/$n.sock"
  case "$*" in
    *-p*) "$FAKE" -l "$FAKE_LOG" -r "$r" "$@" & ;;
    *) "$FAKE" -s "$W/$n.sock" -l "$FAKE_LOG" -r "$r" "$@" & ;;
  esac
  fakes="$fakes $!"
  i=0
  while [ ! -s "$FAKE_LOG" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}

scan() { # scan ARGS...: sets CODE, OUT, ERR, SECS
  s0=$(date +%s)
  OUT=$(TMPDIR=$W "$QC" "$@" 2>"$W/err"); CODE=$?
  SECS=$(( $(date +%s) - s0 ))
  ERR=$(cat "$W/err")
}
has() { printf '%s\n' "$1" | grep -q -- "$2"; }

mail "$W/clean"

# The harness can pass: proper replies are verdicts.
fake good 'fd[5]: OK\0'
scan -t 5 -s "$W/good.sock" "$W/clean"
is "$CODE/$OUT" "0/msg: OK" "FILDES, 'fd[5]: OK' NUL: clean"
t "... the fake got the descriptor" grep -q 'cmd=zFILDES fds=1' "$FAKE_LOG"
fake virus 'fd[17]: Some.Sig-1(0123abcd:42) FOUND\0'
scan -t 5 -s "$W/virus.sock" "$W/clean"
is "$CODE/$OUT" "1/msg: Some.Sig-1(0123abcd:42) FOUND" "FILDES, 'fd[17]: SIG FOUND' NUL: virus, named"
fake sgood 'stream: OK\0' -p $fport
scan -t 5 -s 127.0.0.1:$fport "$W/clean"
is "$CODE/$OUT" "0/msg: OK" "INSTREAM, 'stream: OK' NUL: clean"
t "... the fake got the message" grep -q "cmd=zINSTREAM fds=0 fdsize=-1 bytes=$(wc -c < "$W/clean")" "$FAKE_LOG"

# Every odd reply is a failure, never a verdict.
odd() { # odd fildes|stream REPLY WHY-PATTERN DESCRIPTION
  fport=$((fport + 1))
  if [ "$1" = fildes ]; then
    fake odd "$2" -n 1
    scan -t 5 -s "$W/odd.sock" "$W/clean"
  else
    fake odd "$2" -n 1 -p $fport
    scan -t 5 -s 127.0.0.1:$fport "$W/clean"
  fi
  is "$CODE/$OUT" "2/" "$1, $4: exit 2"
  t "... saying why ($3)" has "$ERR" "$3"
}
odd fildes 'fd[5]: OK' "cut off" "no NUL after OK"
odd stream 'stream: OK' "cut off" "no NUL after OK"
odd fildes ': OK\0' "no \"fd\[N\]: \" name" "empty name"
odd stream ': OK\0' "no \"stream: \" name" "empty name"
odd fildes 'OK\0' "no \"fd\[N\]: \" name" "no name at all"
odd fildes 'fd[]: OK\0' "no \"fd\[N\]: \" name" "fd[] without digits"
odd fildes 'stream: OK\0' "no \"fd\[N\]: \" name" "INSTREAM's name to FILDES"
odd stream 'fd[5]: OK\0' "no \"stream: \" name" "FILDES's name to INSTREAM"
odd fildes 'fd[5]: Eicar FOUND\0fd[5]: OK\0' "bytes after" "FOUND, then an OK line"
odd stream 'stream: OK\0stream: OK\0' "bytes after" "two OK lines"
odd fildes 'fd[5]: Eicar FOUND\nfd[5]: OK\0' "more than one line" "two lines in one"
odd stream 'stream: OK\n\0' "more than one line" "OK with a newline"
odd fildes 'fd[5]:  FOUND\0' "empty signature" "empty signature"
odd fildes 'fd[5]: OK FOUND\0' "OK and FOUND together" "OK FOUND"
odd stream 'stream: OK Eicar FOUND\0' "malformed signature" "OK and a signature"
odd fildes 'fd[5]: Can'"'"'t open file ERROR\0' "reported an error" "ERROR"
odd stream 'UNKNOWN COMMAND\0' "no \"stream: \" name" "UNKNOWN COMMAND"
odd fildes 'fd[5]: OK\0x' "bytes after" "a byte after the NUL"
odd fildes "fd[5]: $(head -c 1100 /dev/zero | tr '\0' a) FOUND\\0" "over-long" "over-long reply"
odd stream 'stream: OK\r\0' "more than one line" "CR"

# Size limits: a failure that names the clamd.conf setting, never a virus.
odd fildes 'fd[5]: Heuristics.Limits.Exceeded.MaxFileSize FOUND\0' "raise MaxFileSize in clamd.conf" "MaxFileSize"
odd stream 'stream: Heuristics.Limits.Exceeded.MaxScanSize FOUND\0' "raise MaxScanSize in clamd.conf" "MaxScanSize"
odd fildes 'fd[5]: Heuristics.Limits.Exceeded.MaxScanTime FOUND\0' "raise MaxScanTime in clamd.conf" "MaxScanTime"
odd stream 'INSTREAM size limit exceeded. ERROR\0' "raise StreamMaxLength in clamd.conf" "StreamMaxLength"
odd fildes 'fd[5]: Heuristics.Limits.Exceeded.MaxFileSize(d41d8cd98f00b204e9800998ecf8427e:0) FOUND\0' \
  "raise MaxFileSize" "MaxFileSize with ExtendedDetectionInfo"
# Structure limits: virus-class.
fake rec 'fd[5]: Heuristics.Limits.Exceeded.MaxRecursion FOUND\0'
scan -t 5 -s "$W/rec.sock" "$W/clean"
is "$CODE/$OUT" "1/msg: Heuristics.Limits.Exceeded.MaxRecursion FOUND" "MaxRecursion: virus-class (1)"
fake files 'stream: Heuristics.Limits.Exceeded.MaxFiles FOUND\0' -p $((fport + 1))
scan -t 5 -s 127.0.0.1:$((fport + 1)) "$W/clean"
is "$CODE/$OUT" "1/msg: Heuristics.Limits.Exceeded.MaxFiles FOUND" "MaxFiles: virus-class (1)"
fport=$((fport + 1))

# Diagnostics: no stale errno.
fake empty ''
scan -t 5 -s "$W/empty.sock" "$W/clean"
is "$CODE" 2 "empty reply: exit 2"
t "... says 'no reply'" has "$ERR" "no reply"
t "... and no stale 'Success'" sh -c '! printf "%s\n" "$1" | grep -q Success' x "$ERR"
fake slow 'fd[5]: OK\0' -d 5
scan -t 1 -s "$W/slow.sock" "$W/clean"
is "$CODE" 2 "a reply after the deadline: exit 2"
t "... says 'timed out' (${SECS} s)" has "$ERR" "timed out"
t "... and no stale 'Success'" sh -c '! printf "%s\n" "$1" | grep -q Success' x "$ERR"

# Several servers: each failure hands over to the next; only when every
# one fails is it exit 2, and each failure is named.
fake err 'fd[5]: lstat() failed ERROR\0'
fake unk 'UNKNOWN COMMAND\0'
fake cut 'fd[5]: O'
fake empty2 ''
for i in 1 2 3 4 5 6; do
  scan -t 5 -s "$W/err.sock" -s "$W/unk.sock" -s "$W/missing.sock" -s "$W/cut.sock" -s "$W/empty2.sock" -s "$W/good.sock" "$W/clean"
  is "$CODE/$OUT" "0/msg: OK" "five failing servers and a good one, run $i: clean"
done
scan -t 5 -s "$W/err.sock" -s "$W/unk.sock" -s "$W/missing.sock" -s "$W/cut.sock" -s "$W/empty2.sock" "$W/clean"
is "$CODE" 2 "five failing servers: exit 2"
for s in err unk missing cut empty2; do
  t "... naming $s" has "$ERR" "$W/$s.sock"
done

# Through the chain: a failure defers (71) and nothing is delivered.
chain() { # chain REPLY DESCRIPTION
  fake chain "$1" -n 1
  qrun "SCANCMD=qscanq-clamd -t 5 -s $W/chain.sock" -- "$W/clean"
  is "$EXIT" 71 "chain, $2: 71"
  t "... nothing delivered" [ ! -e "$R/msg" ]
}
chain 'fd[5]: OK' "cut-off OK"
chain ': OK\0' "empty name"
chain 'fd[5]: Eicar FOUND\0fd[5]: OK\0' "FOUND then OK"
chain 'fd[5]: OK FOUND\0' "OK FOUND"
chain 'fd[5]: Heuristics.Limits.Exceeded.MaxFileSize FOUND\0' "MaxFileSize"
chain '' "empty reply"
fake chain 'fd[5]: OK\0' -n 1
qrun "SCANCMD=qscanq-clamd -t 5 -s $W/chain.sock" -- "$W/clean"
is "$EXIT" 0 "chain, a proper OK: delivered (0)"
t "... byte for byte" same "$W/clean" "$R/msg"

done_testing
