#!/bin/sh
# qscanq killed, or failing, half way: the message is never handed on,
# the directory never looks in use, and cleanq takes it at once.
. "$(dirname "$0")/lib.sh"

Q=$QT_QSCAND
CLEANQ=$QT_HOME/bin/cleanq
as=
need_root && as="setpriv --reuid=$(uid_of "$QT_TRUSTED") --regid=$(gid_of "$QT_TRUSTED") --clear-groups"
asq() { if need_root; then setpriv --reuid="$(uid_of "$Q")" --regid="$(gid_of "$Q")" --clear-groups "$@"; else "$@"; fi; }
envelope "$W/env"
mail "$W/m"
newest() { ls -dt "$QT_SPOOL"/@* 2>/dev/null | head -n 1; }

# A failure after the directory was made (fork, RLIMIT_NPROC): the
# directory is not left looking in use.
if need_root; then
  exec 9>>"$QT_SPOOL/lock"; flock -n 9
  qrun -l "prlimit --nproc=1 --" -- "$W/m"
  is "$EXIT" 71 "qscanq cannot fork: 71"
  t "... nothing passed on" [ ! -e "$R/ids" ]
  is "$(stat -c %a "$(newest)")" 700 "... and the directory is not sticky"
  exec 9>&-
else
  for i in 1 2 3; do skip "RLIMIT_NPROC on a throwaway user: needs root"; done
fi

done_testing
