# Sourced by every tests/*.t. tests/run has built and installed a private
# qscanq tree under $QT (paths compiled in there) and exported:
#   QT        the temporary root        QT_BUILD  its build directory
#   QT_HOME   conf-home                 QT_SPOOL  conf-scandir
#   QT_QSCAND the user qscanq runs as   QT_ROOTMODE yes when setuid tests run
#   QT_TRUSTED a trusted caller         QT_UNTRUSTED an untrusted caller
# (the callers are throwaway users when root, else the current user).

set -u
: "${QT:?run the tests with make check}"
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$QT_BUILD
QSCANQ=$QT_HOME/bin/qscanq
tapn=0
tapfail=0

ok() { # ok CONDITION-EXIT-STATUS DESCRIPTION
  tapn=$((tapn + 1))
  if [ "$1" = 0 ]; then echo "ok $tapn - $2"; else echo "not ok $tapn - $2"; tapfail=$((tapfail + 1)); fi
}
t() { # t DESCRIPTION COMMAND...: ok if the command succeeds
  d=$1; shift
  if "$@"; then ok 0 "$d"; else ok 1 "$d"; fi
}
is() { # is GOT WANT DESCRIPTION
  if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got: '$1'"; echo "#  want: '$2'"; fi
}
skip() { tapn=$((tapn + 1)); echo "ok $tapn # skip $*"; }
diag() { echo "# $*"; }
done_testing() { echo "1..$tapn"; [ $tapfail = 0 ]; exit $?; }
plan_skip_all() { echo "1..0 # SKIP $*"; exit 0; }
need_root() { [ "$QT_ROOTMODE" = yes ]; }
# The core programs are static, except under make check-sanitize (the
# sanitizers need the dynamic loader): no softlimit -m 2000000 then.
need_static() { [ "${QT_SANITIZE:-no}" != yes ]; }

# A scratch directory per test file, writable by the throwaway callers.
W=$(mktemp -d "$QT/w.XXXXXX")
chmod 1777 "$W"

. "$TOP/tests/common.sh"

uid_of() { id -u "$1"; }
gid_of() { id -g "$1"; }

# qrun [-u USER] [-r FD] [-l PREFIX-COMMAND] [-p PROGRAM] [VAR=VALUE...] [--] MSGFILE [qscanq-args...]
# Runs qscanq (or PROGRAM in its place, e.g. a wrapper) as USER (default: the trusted caller) under qq-caller, with
# the recording qmail-queue. Results: $EXIT, $EOF_MS, $WRITEERR; files in
# $R: stderr, reply, and from the downstream msg, env, ids, fds, fd0.
qrun() {
  user=$QT_TRUSTED reply= limit= prog=$QSCANQ
  while :; do
    case "$1" in
      -p) prog=$2; shift 2 ;;
      -u) user=$2; shift 2 ;;
      -r) reply="-r $2"; shift 2 ;;
      -l) limit=$2; shift 2 ;;
      *) break ;;
    esac
  done
  R=$(mktemp -d "$W/r.XXXXXX")
  chmod 1777 "$R"
  [ -f "$W/env" ] || envelope "$W/env"
  as=
  if need_root && [ "$user" != root ]; then
    as="setpriv --reuid=$(uid_of "$user") --regid=$(gid_of "$user") --clear-groups"
  fi
  lim=$limit
  (
    while :; do
      case "${1:-}" in
        --) shift; break ;;
        *=*) export "$1"; shift ;;
        *) break ;;
      esac
    done
    msgf=$1; shift
    n=$#
    for a do
      [ "$a" = @R@ ] && a=$R
      set -- "$@" "$a"
    done
    shift $n
    export QQ_RECORD="$R"
    # shellcheck disable=SC2086
    exec $as "$B/qq-caller" $reply -o "$R" "$msgf" "$W/env" $lim "$prog" "$@" > "$R/caller.out" 2>"$R/caller.err"
  )
  EXIT=$(sed -n 's/^exit=//p' "$R/caller.out")
  EOF_MS=$(sed -n 's/^eof_ms=//p' "$R/caller.out")
  WRITEERR=$(sed -n 's/^writeerr=//p' "$R/caller.out")
}

# The recording downstream, as the last argument of qscanq.
# (@R@ stands for the result directory qrun makes.)
rec() { echo "$B/qq-record -u $(uid_of "$QT_QSCAND") @R@"; }

same() { cmp -s "$1" "$2"; }
