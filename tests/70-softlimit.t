#!/bin/sh
# The core programs start and work under softlimit -m 2000000, the memory
# limit qmail-smtpd classically runs under.
. "$(dirname "$0")/lib.sh"
command -v softlimit >/dev/null || plan_skip_all "softlimit (daemontools) not installed"

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
S=$W/spool; mkdir -m 750 "$S"; need_root && chown "$Q" "$S"
if need_root; then asq="setpriv --reuid=$(uid_of "$Q") --regid=$(gid_of "$Q") --clear-groups"; else asq=; fi
$asq mkdir -m 700 "$S/@done"
$SL "$QT_HOME/bin/cleanq" "$S"
is "$?" 0 "cleanq under softlimit: exit 0"
t "... and it removed the finished directory" [ ! -e "$S/@done" ]
$asq mkdir -m 700 "$S/@done2"
SCANDIR=$S $SL "$QT_HOME/libexec/qscanq/run-cleanq"
is "$?" 0 "run-cleanq under softlimit: exit 0"
t "... and the pass ran" [ ! -e "$S/@done2" ]

done_testing
