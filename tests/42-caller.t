#!/bin/sh
# What a caller leaves to qscanq (signal dispositions, the signal mask)
# must not change how the chain works.
. "$(dirname "$0")/lib.sh"

mail "$W/m"
envelope "$W/env"
as=
need_root && as="setpriv --reuid=$(uid_of "$QT_TRUSTED") --regid=$(gid_of "$QT_TRUSTED") --clear-groups"

# crun WRAPPER-PERL-CODE [VAR=VALUE...]: qscanq under qq-caller, started
# through perl, which sets up the caller's signal state and execs it.
crun() {
  code=$1; shift
  R=$(mktemp -d "$W/r.XXXXXX")
  chmod 1777 "$R"
  # shellcheck disable=SC2086
  env QQ_RECORD="$R" "$@" $as "$B/qq-caller" -o "$R" "$W/m" "$W/env" \
    perl -MPOSIX -e "$code; exec @ARGV or exit 111" "$QSCANQ" > "$R/caller.out" 2> "$R/caller.err"
  EXIT=$(sed -n 's/^exit=//p' "$R/caller.out")
}

crun '$SIG{CHLD} = "IGNORE"'
is "$EXIT" 0 "a caller with SIGCHLD ignored: clean mail goes through (0)"
t "... to the downstream" same "$W/m" "$R/msg"
t "... and nothing is logged" [ ! -s "$R/stderr" ]

mkdir -p "$W/scan"; chmod 1777 "$W/scan"
crun 'sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGTERM, SIGCHLD, SIGALRM)); $SIG{CHLD} = "IGNORE"' \
  "SCANCMD=/bin/sh -c 'grep ^SigBlk: /proc/self/status > $W/scan/blk'"
is "$EXIT" 0 "a caller with signals blocked and SIGCHLD ignored: 0"
is "$(cat "$W/scan/blk" 2>/dev/null)" "SigBlk:	0000000000000000" "... and the scanner starts with no signal blocked"

done_testing
