#!/bin/sh
# Debian 12 as documented: the systemd units, and clamd's socket closed to
# all but clamav and the group qscand (mode 0660, as the socket drop-in
# makes it), used by a caller in neither group.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clamd.sh"
U=$QT_HOME/lib/systemd/system
KIT=$QT_HOME/share/qscanq

t "the cleanq service is installed" [ -f "$U/qscanq-cleanq.service" ]
t "... it runs the installed run-cleanq" grep -q "^ExecStart=$QT_HOME/libexec/qscanq/run-cleanq$" "$U/qscanq-cleanq.service"
t "the timer is installed, wanted by timers.target" grep -q "^WantedBy=timers.target$" "$U/qscanq-cleanq.timer"
if command -v systemd-analyze > /dev/null; then
  systemd-analyze verify --man=no "$U/qscanq-cleanq.service" "$U/qscanq-cleanq.timer" > "$W/verify" 2>&1
  is "$?" 0 "systemd-analyze verify accepts both units"
  [ -s "$W/verify" ] && sed 's/^/# /' "$W/verify"
else
  skip "no systemd-analyze"
fi
t "the socket drop-in gives the socket to group $QT_QSCAND" grep -q "^SocketGroup=$QT_QSCAND$" "$KIT/systemd/clamav-daemon-socket-qscanq.conf"
t "... mode 0660" grep -q "^SocketMode=0660$" "$KIT/systemd/clamav-daemon-socket-qscanq.conf"

if ! need_root || ! have_clamd; then
  for i in 1 2 3 4; do skip "needs root and clamd"; done
  done_testing
fi
clamd_start deb "$QT/db" || { ok 1 "clamd starts"; done_testing; }
# What the socket unit with the drop-in makes: clamav:qscand 0660.
chown clamav:"$(id -gn "$QT_QSCAND")" "$deb_sock"
chmod 0660 "$deb_sock"
setpriv --reuid="$(uid_of "$QT_TRUSTED")" --regid="$(gid_of "$QT_TRUSTED")" --clear-groups \
  "$QT_HOME/bin/qscanq-clamd" -P -t 5 -s "$deb_sock" > /dev/null 2>&1
is "$?" 2 "the caller itself may not use the socket"
mail "$W/clean"
eicar > "$W/eicar.com"
mail "$W/virus" "$W/eicar.com" report.pdf
chmod 644 "$W/clean" "$W/virus"
qrun -u "$QT_TRUSTED" SCANCMD="qscanq-clamd -s $deb_sock" "$W/clean"
is "$EXIT" 0 "through qscanq (setgid $QT_QSCAND) the scanner may: clean mail is queued"
t "... byte for byte" same "$R/msg" "$W/clean"
qrun -u "$QT_TRUSTED" SCANCMD="qscanq-clamd -s $deb_sock" "$W/virus"
is "$EXIT" 31 "... and EICAR is refused"
done_testing
