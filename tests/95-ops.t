#!/bin/sh
# The operations kit: qscanq-selftest, the clamd and cleanq services
# under daemontools' svscan/supervise, install and uninstall.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clamd.sh"
KIT=$QT_HOME/share/qscanq
ST=$QT_HOME/bin/qscanq-selftest

# qscanq-selftest on the test installation.
if need_root; then
  mkdir -p "$QT/qmail/control"
  echo 1000000 > "$QT/qmail/control/databytes"
  "$ST" > "$W/st" 2>&1
  is "$?" 0 "selftest passes on a correct installation"
  t "... it printed the compiled-in configuration" grep -q "^  conf-scandir *$QT_SPOOL$" "$W/st"
  t "... it checked qscanq's owner and mode against the table" grep -q "^ok .*bin/qscanq .*$QT_QSCAND:$QT_QSCAND " "$W/st"
  t "... and every installed file" grep -q "^ok *installed files *all [0-9]* as " "$W/st"
  t "... and sent the zipped EICAR" grep -q '^ok   zipped .*exit 82, verdict virus, reply "Dvirus found' "$W/st"
  t "... and a clean message of databytes" grep -q '^ok   large .*exit 0, verdict clean' "$W/st"
  t "... it names the spool's file system" grep -q "^info spool file system \|^ok   spool file system " "$W/st"
  t "... and finds room for twice databytes there" grep -q "^ok   spool space .* KB free (twice databytes: 1953 KB)" "$W/st"
  # clamd's TemporaryDirectory, from a clamd.conf (CLAMD_CONF): room, then
  # a 1 MB tmpfs, where clamd would call what it cannot unpack clean.
  mkdir -p "$W/ctmp"
  printf 'LocalSocket /nonexistent\nTemporaryDirectory %s\n' "$W/ctmp" > "$W/clamd.conf"
  # (No clamd answers here: only the TemporaryDirectory line matters.)
  SCANCMD="qscanq-clamd -t 2 -s $W/nosuch.sock" CLAMD_CONF=$W/clamd.conf "$ST" > "$W/st" 2>&1
  t "selftest checks clamd's TemporaryDirectory from clamd.conf" grep -q "^ok   clamd TemporaryDirectory *$W/ctmp (from $W/clamd.conf): [0-9]* KB free" "$W/st"
  if mount -t tmpfs -o size=1m qscanq-test "$W/ctmp" 2> /dev/null; then
    SCANCMD="qscanq-clamd -t 2 -s $W/nosuch.sock" CLAMD_CONF=$W/clamd.conf "$ST" > "$W/st" 2>&1
    t "selftest fails when clamd's TemporaryDirectory is smaller than twice databytes" grep -q "^FAIL clamd TemporaryDirectory" "$W/st"
    t "... and says what clamd then does" grep -q "^FAIL clamd TemporaryDirectory .*under twice databytes (1953 KB): clamd calls what it cannot unpack there clean" "$W/st"
    umount "$W/ctmp" 2> /dev/null || umount -l "$W/ctmp"
  else
    skip "cannot mount a tmpfs"; skip "cannot mount a tmpfs"
  fi
  # A spool too small for a message of databytes: a tmpfs of 1 MB.
  if mount -t tmpfs -o "size=1m,mode=0750,uid=$(uid_of "$QT_QSCAND"),gid=$(gid_of "$QT_QSCAND")" qscanq-test "$QT_SPOOL" 2> /dev/null; then
    install -o "$QT_QSCAND" -g "$(gid_of "$QT_QSCAND")" -m 600 /dev/null "$QT_SPOOL/lock"
    "$ST" > "$W/st" 2>&1
    is "$?" 1 "selftest fails on a spool smaller than twice databytes"
    t "... at the spool space line" grep -q "^FAIL spool space .* KB free, under twice databytes (1953 KB)" "$W/st"
    t "... and knows it is a tmpfs" grep -q "^ok   spool file system *tmpfs" "$W/st"
    # The last messages' cleanq pass may still be running in it.
    flock -w 10 "$QT_SPOOL/lock" true
    umount "$QT_SPOOL" 2> /dev/null || umount -l "$QT_SPOOL"
  else
    skip "cannot mount a tmpfs"; skip "cannot mount a tmpfs"; skip "cannot mount a tmpfs"
  fi
  printf '.exe\n' > "$W/badext"; chmod 644 "$W/badext"
  SCANCMD="qscanq-attach -f $W/badext qscanq-clamav -d $QT/db" "$ST" > "$W/st" 2>&1
  is "$?" 0 "selftest with an attachment policy passes"
  t "... and checks the banned attachment" grep -q '^ok   banned .*verdict banned, reply "Dbanned attachment: invoice.exe' "$W/st"
  chmod 755 "$QT_SPOOL"
  "$ST" > "$W/st" 2>&1
  is "$?" 1 "selftest fails on a spool with the wrong mode"
  t "... and says which" grep -q "^FAIL $QT_SPOOL .*755 (want $QT_QSCAND:$QT_QSCAND 750" "$W/st"
  chmod 750 "$QT_SPOOL"
  m=$(stat -c %a "$QSCANQ")
  chmod 755 "$QSCANQ"
  "$ST" > "$W/st" 2>&1
  is "$?" 1 "selftest fails on a qscanq that is not set-id"
  t "... and says which" grep -q "^FAIL $QSCANQ .* 755 (want $QT_QSCAND:$QT_QSCAND $m" "$W/st"
  chmod "$m" "$QSCANQ"
  SCANCMD="qscanq-clamd -t 2 -s $W/nosuch.sock" "$ST" > "$W/st" 2>&1
  is "$?" 1 "selftest fails when clamd does not answer"
  t "... at the clamd line" grep -q "^FAIL clamd $W/nosuch.sock" "$W/st"
  t "... and the messages are deferred, not passed" grep -q "^FAIL clean .*exit 82, verdict fail" "$W/st"
  # A scanner that fails on every attachment: exit 82 with a Z reply. The
  # refusal checks must not take that for a refusal.
  cat > "$W/attfail" <<'EOT'
#!/bin/sh
if grep -q '^Content-Disposition: attachment' ; then echo "cannot parse" >&2; exit 2; fi
exit 0
EOT
  chmod 755 "$W/attfail"
  SCANCMD="$W/attfail" "$ST" > "$W/st" 2>&1
  is "$?" 1 "selftest fails with a scanner that fails on attachments"
  t "... at the EICAR line, naming the verdict" grep -q "^FAIL eicar .*exit 82, verdict fail, reply \"Z" "$W/st"
  if have_clamd && clamd_start small "$QT/db" "MaxFileSize 500K" "MaxScanSize 500K" "AlertExceedsMax yes"; then
    SCANCMD="qscanq-clamd -s $small_sock" "$ST" > "$W/st" 2>&1
    is "$?" 1 "selftest fails when clamd's MaxFileSize is below databytes"
    t "... at the large message line, saying what to raise" grep -q "^FAIL large .*MaxFileSize" "$W/st"
    t "... while clamd answers" grep -q "^ok   clamd $small_sock" "$W/st"
    clamd_stop small
  else
    skip "no clamd"; skip "no clamd"; skip "no clamd"
  fi
  rm -f "$QT/qmail/control/databytes"
else
  for i in $(seq 29); do skip "selftest checks the setuid installation: not root"; done
fi

# The services, for real under svscan.
command -v svscan >/dev/null && have_clamd || { done_testing; }
S=$W/service
mkdir -p "$S"
cd "$W" || exit 1
mkdir -p "$W/sock"
need_root && chown clamav "$W/sock"
{
  echo "LocalSocket $W/sock/clamd.sock"
  echo "DatabaseDirectory $QT/db"
  echo "TemporaryDirectory $W/sock"
  need_root && echo "User clamav"
} > "$W/svc-clamd.conf"
svc_dir() { # svc_dir NAME: the kit's clamd run script, with ./conf
  mkdir -p "$S/$1"
  cp "$KIT/service/clamd/run" "$S/$1/run"
  echo "$W/svc-clamd.conf" > "$S/$1/conf"
}
svc_dir clamd
setsid svscan "$S" > "$W/svscan.log" 2>&1 < /dev/null &
svscanpid=$!
cleanup_svscan() {
  for d in "$S"/*; do svc -dx "$d" "$d/log" 2>/dev/null; done
  sleep 1
  kill -- -$svscanpid 2>/dev/null
}
trap 'cleanup_svscan; clamd_stop_all' EXIT

ping_sock() { "$QT_HOME/bin/qscanq-clamd" -P -t 2 -s "$W/sock/clamd.sock" > /dev/null 2>&1; }
wait_ping() { i=0; while [ $i -lt 300 ]; do ping_sock && return 0; sleep 0.2; i=$((i + 1)); done; return 1; }
svpid() { svstat "$S/$1" | sed -n 's/.*up (pid \([0-9]*\)).*/\1/p'; }

t "clamd comes up under supervise and answers PING" wait_ping
pid1=$(svpid clamd)
t "... supervise reports it up ($pid1)" [ -n "$pid1" ]
svc -t "$S/clamd"
sleep 1
t "svc -t: clamd answers again" wait_ping
pid2=$(svpid clamd)
t "... as a new process ($pid1 -> $pid2)" [ -n "$pid2" ] && [ "$pid2" != "$pid1" ]

# A second service on the same socket must not touch the live one.
svc_dir clamd2
svscanctl -a "$S" 2>/dev/null || true
i=0; while [ $i -lt 100 ] && ! grep -q "already answers" "$W/svscan.log"; do sleep 0.2; i=$((i + 1)); done
t "a second clamd on a live socket refuses to start" grep -q "already answers on $W/sock/clamd.sock" "$W/svscan.log"
t "... the live clamd still answers" ping_sock
is "$(svpid clamd)" "$pid2" "... and is the same process"
svc -dx "$S/clamd2"; rm -rf "$S/clamd2"

# A stale socket (clamd killed) is cleaned and clamd comes back.
svc -d "$S/clamd"
i=0; while [ $i -lt 50 ] && ping_sock; do sleep 0.2; i=$((i + 1)); done
t "svc -d: clamd is down" sh -c '! "$1" -P -t 2 -s "$2" >/dev/null 2>&1' x "$QT_HOME/bin/qscanq-clamd" "$W/sock/clamd.sock"
# A clamd of our own on the same socket, killed: its socket stays behind.
if need_root; then
  setpriv --reuid=clamav --regid=clamav --clear-groups "$CLAMD" --foreground -c "$W/svc-clamd.conf" > /dev/null 2>&1 & cp=$!
else
  "$CLAMD" --foreground -c "$W/svc-clamd.conf" > /dev/null 2>&1 & cp=$!
fi
wait_ping
kill -9 $cp; wait $cp 2>/dev/null
t "a killed clamd leaves a stale socket" [ -S "$W/sock/clamd.sock" ]
t "... that nobody answers on" sh -c '! "$1" -P -t 2 -s "$2" >/dev/null 2>&1' x "$QT_HOME/bin/qscanq-clamd" "$W/sock/clamd.sock"
svc -u "$S/clamd"
t "svc -u: the run script removes the stale socket and clamd answers" wait_ping
t "... saying so in its log" grep -q "removing stale socket $W/sock/clamd.sock" "$W/svscan.log"

# cleanq under supervise, with its log.
mkdir -p "$S/cleanq/log"
cp "$KIT/service/cleanq/run" "$S/cleanq/run"
cp "$KIT/service/cleanq/log/run" "$S/cleanq/log/run"
if need_root; then
  setpriv --reuid="$(uid_of "$QT_QSCAND")" --regid="$(gid_of "$QT_QSCAND")" --clear-groups mkdir -m 700 "$QT_SPOOL/@svc-test"
else
  mkdir -m 700 "$QT_SPOOL/@svc-test"
fi
svscanctl -a "$S" 2>/dev/null || true
i=0; while [ $i -lt 100 ] && [ -e "$QT_SPOOL/@svc-test" ]; do sleep 0.2; i=$((i + 1)); done
t "the cleanq service removes a finished directory" [ ! -e "$QT_SPOOL/@svc-test" ]
i=0; while [ $i -lt 50 ] && ! grep -qs "removed @svc-test" "$S/cleanq/log/main/current"; do sleep 0.2; i=$((i + 1)); done
t "... and multilog has the line" grep -q "removed @svc-test" "$S/cleanq/log/main/current"

# The kit's examples name the installed paths.
t "cron line runs the installed run-cleanq" grep -q "^\*/10 \* \* \* \* root $QT_HOME/libexec/qscanq/run-cleanq$" "$KIT/cron"
t "tcprules example: QMAILQUEUE is the installed qscanq" grep -q "^:allow,QMAILQUEUE=\"$QT_HOME/bin/qscanq\"$" "$KIT/tcp.smtp"
t "qmail-dkim wrapper runs qscanq through DKIMQUEUE" grep -q "^ *DKIMQUEUE=$QT_HOME/bin/qscanq$" "$KIT/qmail-dkim-qscanq"

# make setup: the user and the spool, idempotently.
if need_root; then
  su=qsqs$$
  sh "$TOP/tools/setup" "$su" "$W/setup-spool" > /dev/null
  t "setup creates the system user" id "$su"
  is "$(stat -c '%U %G %a' "$W/setup-spool")" "$su $su 750" "setup makes the spool $su:$su 750"
  chmod 777 "$W/setup-spool"
  sh "$TOP/tools/setup" "$su" "$W/setup-spool" > "$W/setup.out"
  t "a second run keeps the user" grep -q "user $su exists" "$W/setup.out"
  is "$(stat -c '%a' "$W/setup-spool")" 750 "... and puts the spool's mode right"
  userdel "$su" 2>/dev/null
else
  for i in 1 2 3 4; do skip "make setup needs root"; done
fi

# install and uninstall into a DESTDIR: nothing left behind.
D=$W/dest
"$QT/make" DESTDIR="$D" install
t "install into DESTDIR: qscanq is there" [ -f "$D$QT_HOME/bin/qscanq" ]
need_root && is "$(stat -c '%U %a' "$D$QT_HOME/bin/qscanq")" "$QT_QSCAND 6711" "... setuid $QT_QSCAND"
"$QT/make" DESTDIR="$D" uninstall
is "$(find "$D" -mindepth 1 -not -type d | wc -l | tr -d ' ')" 0 "uninstall removes every installed file"
is "$(find "$D$QT_HOME" -mindepth 1 2>/dev/null | wc -l | tr -d ' ')" 0 "... and the directories it made"

# A directory that was there before install is there after uninstall,
# even when empty (/usr/local/share/man is Debian's).
D=$W/dest2
mkdir -p "$D$QT_HOME/share/man"
"$QT/make" DESTDIR="$D" install
"$QT/make" DESTDIR="$D" install
t "install twice: the man pages are there" [ -f "$D$QT_HOME/share/man/man8/qscanq.8" ]
"$QT/make" DESTDIR="$D" uninstall
t "uninstall keeps an empty share/man it did not make" [ -d "$D$QT_HOME/share/man" ]
is "$(find "$D$QT_HOME" -mindepth 1 | sed "s|^$D$QT_HOME||" | tr '\n' ' ')" "/share /share/man " "... and removes what it made (man8, man7, share/qscanq ...)"

done_testing
