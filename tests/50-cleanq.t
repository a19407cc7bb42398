#!/bin/sh
# cleanq and run-cleanq against a spool laid out by hand.
. "$(dirname "$0")/lib.sh"

CLEANQ=$QT_HOME/bin/cleanq
RUNCLEANQ=$QT_HOME/libexec/qscanq/run-cleanq
Q=$QT_QSCAND
asq() { if need_root; then setpriv --reuid="$(uid_of "$Q")" --regid="$(gid_of "$Q")" --clear-groups "$@"; else "$@"; fi; }

S=$W/spool
mkdir "$S"; chmod 750 "$S"
need_root && chown "$Q:$(gid_of "$Q")" "$S"
mkdir -p "$W/victim"; echo precious > "$W/victim/file"; chmod 755 "$W/victim"; chmod 644 "$W/victim/file"

msgdir() { # msgdir NAME MODE
  asq mkdir -m "$2" "$S/$1"
  asq mkdir -m 700 "$S/$1/work"
  asq sh -c 'echo msg > "$1/work/msg"' x "$S/$1"
}
# A live qscanq holds an exclusive flock on its directory: here the test
# shell does, on fd 7 (old, so stale by age) and fd 8 (fresh).
msgdir @stale 1700
exec 7<"$S/@stale"; flock -n 7
sleep 4
msgdir @finished 700
msgdir @fresh 1700
exec 8<"$S/@fresh"; flock -n 8
msgdir @abandoned 1700
msgdir @withlink 700
asq ln -s "$W/victim" "$S/@withlink/work/link"
asq ln -s "$W/victim/file" "$S/@withlink/work/filelink"
asq ln -s "$W/victim" "$S/@planted"
asq touch "$S/README"

asq "$CLEANQ" -l -a 1 "$S" > "$W/out" 2> "$W/err"
is "$?" 0 "cleanq pass: exit 0"
t "finished directory removed" [ ! -e "$S/@finished" ]
t "fresh sticky directory kept" [ -d "$S/@fresh/work" ]
t "locked sticky directory older than 3 x ageout removed (stale)" [ ! -e "$S/@stale" ]
t "sticky directory whose lock is free removed at once (its qscanq is gone)" [ ! -e "$S/@abandoned" ]
t "directory with symbolic links inside removed" [ ! -e "$S/@withlink" ]
t "the links' targets are untouched" grep -q precious "$W/victim/file"
t "a link planted in the spool is not followed" [ -L "$S/@planted" ] && [ -e "$W/victim/file" ]
t "the planted link is reported" grep -q "@planted: not a directory" "$W/err"
t "a non-@ entry is left alone" [ -e "$S/README" ]
t "... and reported" grep -q "README: not a message directory" "$W/err"
is "$(LC_ALL=C sort "$W/out" | tr '\n' ' ')" "removed @finished removed @withlink removed abandoned @abandoned removed stale @stale " "-l logs one line per removal"

asq "$CLEANQ" "$S" 2>/dev/null
t "default ageout keeps a 4-second-old sticky directory" [ -d "$S/@fresh" ]

chmod 757 "$S"
asq "$CLEANQ" "$S" 2> "$W/err"
is "$?" 100 "spool writable by others: refused (100)"
t "... with a reason" grep -q "writable by group or others" "$W/err"
chmod 770 "$S"
asq "$CLEANQ" "$S" 2> "$W/err"
is "$?" 100 "spool writable by its group: refused (100)"
chmod 750 "$S"
ln -s "$S" "$W/spoollink"
asq "$CLEANQ" "$W/spoollink" 2> "$W/err"
is "$?" 100 "spool given as a symbolic link: refused (100)"
t "... with a reason" grep -q "a symbolic link" "$W/err"

if need_root; then
  mkdir -m 700 "$S/@rootowned"
  "$CLEANQ" "$S" 2> "$W/err"
  is "$?" 0 "started as root: runs (as $Q)"
  t "an entry not owned by $Q is left alone" [ -d "$S/@rootowned" ]
  t "... and reported" grep -q "@rootowned: not owned by" "$W/err"
  rmdir "$S/@rootowned"
  chown root "$S"
  "$CLEANQ" "$S" 2> "$W/err"
  is "$?" 100 "spool not owned by $Q: refused (100)"
  chown "$Q" "$S"
  setpriv --reuid="$(uid_of "$QT_UNTRUSTED")" --regid="$(gid_of "$QT_UNTRUSTED")" --clear-groups "$CLEANQ" "$S" 2> "$W/err"
  is "$?" 100 "run by another user: refused (100)"
  t "... with a reason" grep -q "must be run as root or $Q" "$W/err"
  setpriv --reuid="$(uid_of "$QT_UNTRUSTED")" --regid="$(gid_of "$QT_UNTRUSTED")" --clear-groups env SCANDIR="$S" "$RUNCLEANQ" 2> "$W/err"
  is "$?" 100 "run-cleanq by another user: refused (100)"
else
  for i in 1 2 3 4 5 6 7; do skip "root-only cleanq checks: not root"; done
fi

# run-cleanq: a spool without its lock file (a tmpfs after a boot) gets
# one, made by run-cleanq as qscand, and its pass, at once: no pass has
# started before it. (The old run-cleanq exited 111 here, no pass.)
msgdir @finished2 700
t0=$(date +%s%N)
SCANDIR=$S asq "$RUNCLEANQ" 2> "$W/err"
is "$?" 0 "run-cleanq without its lock file: exit 0"
t1=$(date +%s%N)
is "$(stat -c '%U %F %a %s' "$S/lock")" "$Q regular empty file 600 0" "... makes it ($Q's, a regular file, 600, empty)"
t "... and the pass ran (the finished directory is gone)" [ ! -e "$S/@finished2" ]
t "... without waiting out a second (took $(((t1 - t0) / 1000000)) ms)" [ $(((t1 - t0) / 1000000)) -lt 800 ]
# (cleanq still reports the README and the link left from above.)
t "... and without a word about it" sh -c '! grep -q "lock" "$1"' x "$W/err"
"$QT/make" DESTDIR="$W/inst" install
is "$(stat -c '%U %a %s' "$W/inst$QT_SPOOL/lock")" "$Q 600 0" "make install makes the lock file too ($Q, 600, empty)"
"$QT/make" DESTDIR="$W/inst" uninstall
t "... and make uninstall removes it" [ ! -e "$W/inst$QT_SPOOL/lock" ]

# What stands in the lock file's place and is not a regular file of
# qscand's was not made by make install or run-cleanq: refused (100),
# no pass, nothing followed or made. (The old run-cleanq took a FIFO or
# a foreign file qscand can open, and said nothing of a link but 111.)
msgdir @finished2 700
rm -f "$S/lock"
asq ln -s "$W/victim/file" "$S/lock"
SCANDIR=$S asq "$RUNCLEANQ" 2> "$W/err"
is "$?" 100 "lock file is a symbolic link: refused (100)"
t "... with a reason" grep -q "refusing $S/lock: a symbolic link" "$W/err"
t "... and no pass" [ -d "$S/@finished2" ]
rm -f "$S/lock"
asq ln -s "$W/nothere" "$S/lock"
SCANDIR=$S asq "$RUNCLEANQ" 2> "$W/err"
is "$?" 100 "lock file is a dangling symbolic link: refused (100)"
t "... and its target is not made" [ ! -e "$W/nothere" ]
rm -f "$S/lock"
asq mkfifo -m 600 "$S/lock"
SCANDIR=$S asq timeout 10 "$RUNCLEANQ" 2> "$W/err"
is "$?" 100 "lock file is a FIFO: refused (100), without blocking"
t "... with a reason" grep -q "refusing $S/lock: not a regular file" "$W/err"
t "... and no pass" [ -d "$S/@finished2" ]
rm -f "$S/lock"
asq mkdir -m 700 "$S/lock"
SCANDIR=$S asq "$RUNCLEANQ" 2> "$W/err"
is "$?" 100 "lock file is a directory: refused (100)"
t "... with a reason" grep -q "refusing $S/lock: not a regular file" "$W/err"
rmdir "$S/lock"
if need_root; then
  # Writable by qscand, so only the owner check stands in the way.
  touch "$S/lock"; chmod 666 "$S/lock"
  SCANDIR=$S asq "$RUNCLEANQ" 2> "$W/err"
  is "$?" 100 "lock file owned by root: refused (100)"
  t "... with a reason" grep -q "refusing $S/lock: not owned by $Q" "$W/err"
  t "... and no pass" [ -d "$S/@finished2" ]
  rm -f "$S/lock"
else
  for i in 1 2 3; do skip "a foreign lock file: not root"; done
fi

# run-cleanq: a pass only when none is running.
asq touch "$S/lock"
exec 9>>"$S/lock"
flock -n 9
SCANDIR=$S asq "$RUNCLEANQ" 2>/dev/null
is "$?" 0 "run-cleanq while another pass holds the lock: exit 0 at once"
t "... and it made no pass of its own" [ -d "$S/@finished2" ]
exec 9>&-
SCANDIR=$S "$RUNCLEANQ" 2>/dev/null
is "$?" 0 "run-cleanq with the lock free: exit 0"
t "... and the pass removed the finished directory" [ ! -e "$S/@finished2" ]
t "... and kept the fresh one" [ -d "$S/@fresh" ]

# Two at once over a large spool: both return 0, one pass does the work.
i=0
while [ $i -lt 2000 ]; do i=$((i + 1)); echo "@f$i"; done | (cd "$S" && asq xargs mkdir -m 700)
(SCANDIR=$S "$RUNCLEANQ" 2>/dev/null; echo $? > "$W/a") &
(SCANDIR=$S "$RUNCLEANQ" 2>/dev/null; echo $? > "$W/b") &
wait
is "$(cat "$W/a") $(cat "$W/b")" "0 0" "two run-cleanq at once: both exit 0"
t "... and the spool is clean" sh -c '[ "$(ls "$1" | grep -c "^@f[0-9]")" = 0 ]' x "$S"

# Eight cleanq passes at once over finished trees: what another pass
# removed first is not an error, at any depth.
(cd "$S" && asq sh -c 'i=0; while [ $i -lt 600 ]; do i=$((i + 1)); mkdir -m 700 @c$i @c$i/work; for j in 1 2 3 4 5 6; do mkdir @c$i/work/d$j; echo y > @c$i/work/d$j/f; done; echo x > @c$i/work/msg; echo z > @c$i/log; done')
for i in 1 2 3 4 5 6 7 8; do (asq "$CLEANQ" "$S" 2> "$W/c$i.err"; echo $? > "$W/c$i") & done
wait
is "$(cat "$W/c1" "$W/c2" "$W/c3" "$W/c4" "$W/c5" "$W/c6" "$W/c7" "$W/c8" | tr '\n' ' ')" "0 0 0 0 0 0 0 0 " "8 concurrent cleanq passes: all exit 0"
t "... without complaint" sh -c '! grep -v "leaving alone" "$1"/c?.err' x "$W"
t "... and nothing that should go is left" sh -c '[ "$(ls "$1" | grep -c "^@c[0-9]")" = 0 ]' x "$S"
t "... and the locked one stays" [ -d "$S/@fresh/work" ]
exec 7<&- 8<&-

done_testing
