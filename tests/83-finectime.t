#!/bin/sh
# qscanq-stdin waits for the clock to pass msg's ctime only where it must:
# on a file system with multigrain timestamps (Linux 6.13 on) a change
# after a stat gets a fine-grained ctime, so no wait is needed, and a
# scanner that rewrites msg at once is still caught.
. "$(dirname "$0")/lib.sh"

mail "$W/clean"
multigrain() {
  kv=$(uname -r | sed 's/[^0-9.].*//')
  maj=${kv%%.*} rest=${kv#*.} min=${rest%%.*}
  [ "$maj" -gt 6 ] || { [ "$maj" -eq 6 ] && [ "$min" -ge 13 ]; } || return 1
  case $(stat -f -c %T "$QT_SPOOL") in ext2/ext3|ext4|xfs|btrfs|tmpfs) return 0 ;; esac
  return 1
}

qrun DEBUG=1 "SCANCMD=/bin/true" -- "$W/clean"
is "$EXIT" 0 "a clean message passes"
t "... whole" same "$W/clean" "$R/msg"
if multigrain; then
  t "... without waiting for the clock (fine-grained ctime seen)" grep -q "fine-grained ctime: no wait" "$R/stderr"
else
  skip "no multigrain timestamps on $(stat -f -c %T "$QT_SPOOL"), $(uname -r)"
fi

# At once, in the same clock tick: rewritten in place, size and mtime kept.
for i in 1 2 3; do
  qrun "SCANCMD=/bin/sh -c 'touch -r msg ref; printf Y | dd of=msg conv=notrunc 2>/dev/null; touch -r ref msg'" -- "$W/clean"
  is "$EXIT" 71 "msg rewritten at once, size and mtime kept: 71 ($i)"
  t "... nothing passed on" [ ! -e "$R/msg" ]
done
done_testing
