#!/bin/sh
# The core programs start and work under softlimit -m 2000000, the memory
# limit qmail-smtpd classically runs under; the libclamav scanners under
# the limit their man page documents.
. "$(dirname "$0")/lib.sh"
command -v softlimit >/dev/null || plan_skip_all "softlimit (daemontools) not installed"
need_static || plan_skip_all "sanitizer build: the programs are dynamically linked"

SL="softlimit -m 2000000"
mail "$W/m"
mkdir -p "$W/scan"; chmod 1777 "$W/scan"

# The limit is real: a dynamically linked program cannot start under it.
$SL "$QT_HOME/bin/qscanq-clamav" -d "$QT/db" "$W/m" > /dev/null 2>&1
t "control: a dynamically linked program fails under the limit" [ "$?" -ne 0 ]

# qscanq and qscanq-stdin, with a static scanner and downstream.
qrun -l "$SL" "SCANCMD=$B/qq-record -s $W/scan 0" -- "$W/m" $(rec) 0
is "$EXIT" 0 "qscanq and qscanq-stdin under softlimit: exit 0"
t "... the scanner saw the message" same "$W/m" "$W/scan/msg"
t "... the downstream got it byte for byte" same "$W/m" "$R/msg"
qrun -l "$SL" "SCANCMD=$B/qq-record -s $W/scan 1" -- "$W/m" $(rec) 0
is "$EXIT" 31 "under softlimit, a virus verdict: 31"

# cleanq and run-cleanq.
Q=$QT_QSCAND
S=$W/spool; mkdir -m 750 "$S"; : > "$S/lock"; need_root && chown "$Q" "$S" "$S/lock"
if need_root; then asq="setpriv --reuid=$(uid_of "$Q") --regid=$(gid_of "$Q") --clear-groups"; else asq=; fi
$asq mkdir -m 700 "$S/@done"
$SL "$QT_HOME/bin/cleanq" "$S"
is "$?" 0 "cleanq under softlimit: exit 0"
t "... and it removed the finished directory" [ ! -e "$S/@done" ]
$asq mkdir -m 700 "$S/@done2"
SCANDIR=$S $SL "$QT_HOME/libexec/qscanq/run-cleanq"
is "$?" 0 "run-cleanq under softlimit: exit 0"
t "... and the pass ran" [ ! -e "$S/@done2" ]

# The libclamav scanners under the figure their man page documents (and
# the README repeats), for a 1 KB and a 50 MB message, clean and EICAR.
CL=$(sed -n 's/^ *softlimit -m \([0-9][0-9]*\)$/\1/p' "$TOP/man/qscanq-clamav.8" | head -n 1)
if [ -z "$CL" ]; then
  ok 1 "qscanq-clamav(8) documents a softlimit -m figure"
else
  t "the README gives qscanq-clamav(8)'s figure, softlimit -m $CL" grep -q "softlimit -m $CL" "$TOP/README"
  SLC="softlimit -m $CL"
  eicar > "$W/eicar.com"
  head -c 600 /dev/urandom | base64 > "$W/k1.txt"
  mail "$W/k1" "$W/k1.txt"
  mail "$W/k1v" "$W/eicar.com"
  head -c 36M /dev/urandom > "$W/big.bin"
  mail "$W/m50" "$W/big.bin"
  eicar >> "$W/big.bin"
  mail "$W/m50v" "$W/big.bin"
  rm -f "$W/big.bin"
  for m in k1:0 k1v:1 m50:0 m50v:1; do
    f=${m%:*} want=${m#*:}
    (cd "$W/scan" && TMPDIR=$W/scan $SLC "$QT_HOME/bin/qscanq-clamav" -d "$QT/db" "$W/$f" > "$W/out" 2>"$W/err")
    got=$?
    is "$got" "$want" "qscanq-clamav under $SLC, $f ($(wc -c < "$W/$f") bytes): exit $want"
    [ "$got" = "$want" ] || diag "$(cat "$W/out" "$W/err")"
    (cd "$W/scan" && TMPDIR=$W/scan $SLC "$QT_HOME/bin/qscanq-attach" < "$W/$f" > /dev/null 2>"$W/err")
    is "$?" 0 "qscanq-attach under $SLC, $f: exit 0"
  done
  qrun -l "$SLC" -- "$W/m50v"
  is "$EXIT" 31 "chain under $SLC: the 50 MB EICAR message refused (31)"
  qrun -l "$SLC" -- "$W/m50"
  is "$EXIT" 0 "chain under $SLC: the 50 MB clean message delivered"
  t "... byte for byte" same "$W/m50" "$R/msg"
fi

done_testing
