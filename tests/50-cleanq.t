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
msgdir @stale 1700
sleep 4
msgdir @finished 700
msgdir @fresh 1700
msgdir @withlink 700
asq ln -s "$W/victim" "$S/@withlink/work/link"
asq ln -s "$W/victim/file" "$S/@withlink/work/filelink"
asq ln -s "$W/victim" "$S/@planted"
asq touch "$S/README"

asq "$CLEANQ" -l -a 1 "$S" > "$W/out" 2> "$W/err"
is "$?" 0 "cleanq pass: exit 0"
t "finished directory removed" [ ! -e "$S/@finished" ]
t "fresh sticky directory kept" [ -d "$S/@fresh/work" ]
t "stale sticky directory removed (ctime older than 3 x ageout)" [ ! -e "$S/@stale" ]
t "directory with symbolic links inside removed" [ ! -e "$S/@withlink" ]
t "the links' targets are untouched" grep -q precious "$W/victim/file"
t "a link planted in the spool is not followed" [ -L "$S/@planted" ] && [ -e "$W/victim/file" ]
t "the planted link is reported" grep -q "@planted: not a directory" "$W/err"
t "a non-@ entry is left alone" [ -e "$S/README" ]
t "... and reported" grep -q "README: not a message directory" "$W/err"
is "$(sort "$W/out" | tr '\n' ' ')" "removed @finished removed @withlink removed stale @stale " "-l logs one line per removal"

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

# run-cleanq: a pass only when none is running.
msgdir @finished2 700
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

done_testing
