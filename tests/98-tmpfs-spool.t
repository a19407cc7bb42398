#!/bin/sh
# The spool on a tmpfs, as qscanq(7) recommends, through the whole chain:
# a fresh one (no lock file), one too small for the message, one out of
# inodes; then libclamav's temporary files on a full tmpfs: in the spool
# (qscanq-clamav, the archive pass of qscanq-attach) and in clamd's
# TemporaryDirectory. The test mounts its own tmpfs as the spool (SCANDIR
# from the trusted caller) and always unmounts it.
. "$(dirname "$0")/lib.sh"
need_root || plan_skip_all "not root: mounting a tmpfs needs root"

Q=$QT_QSCAND
RUNCLEANQ=$QT_HOME/libexec/qscanq/run-cleanq
MP=$W/tspool
mkdir "$MP"
mounted=no
unmount() {
  [ $mounted = yes ] || return 0
  exec 9>&-
  # A run-cleanq may still be in it (the spool is its cwd) for up to a
  # second: wait for it, as tests/run does, then unmount for sure.
  u=0
  while [ $u -lt 30 ] && pgrep -u "$Q" >/dev/null 2>&1; do sleep 0.1; u=$((u + 1)); done
  umount "$MP" 2>/dev/null || umount -l "$MP"
  mounted=no
}
trap unmount EXIT
trap 'exit 130' INT TERM
# tmount OPTIONS: a fresh, empty tmpfs on $MP, as qscanq(7) says to
# mount it (qscand's, 0750), with OPTIONS (size=, nr_inodes=).
tmount() {
  unmount
  mount -t tmpfs -o "$1,mode=0750,uid=$(uid_of "$Q"),gid=$(gid_of "$Q")" tmpfs "$MP" || return 1
  mounted=yes
}
tmount size=4m 2>"$W/mount.err" || plan_skip_all "mount -t tmpfs failed: $(cat "$W/mount.err")"
# Once the first mount worked, a later one that fails is a failure.
remount() { tmount "$1" || { ok 1 "mount -t tmpfs -o $1"; done_testing; }; }

# settled: within 2 s no message directory is left in the spool (the
# pass qscanq starts after its message has run).
settled() {
  s=0
  while [ $s -lt 20 ]; do
    set -- "$MP"/@*
    [ ! -e "$1" ] && return 0
    sleep 0.1
    s=$((s + 1))
  done
  return 1
}
nothing_passed() { [ ! -e "$R/msg" ] && [ ! -e "$R/env" ]; }
mail "$W/m"

# a. A fresh tmpfs, as after a boot: no lock file. The message passes,
# and its run-cleanq makes the lock file and removes the directory. (The
# old run-cleanq died for want of the lock file: the directory stayed.)
t "a fresh tmpfs spool has no lock file" [ ! -e "$MP/lock" ]
qrun SCANDIR="$MP" -- "$W/m"
is "$EXIT" 0 "fresh tmpfs spool, clean message: 0"
t "... the downstream got it byte for byte" same "$W/m" "$R/msg"
t "... and the envelope" same "$W/env" "$R/env"
t "... the pass removed its directory within 2 s" settled
is "$(stat -c '%U %F %a' "$MP/lock" 2>&1)" "$Q regular empty file 600" "... and run-cleanq made the lock file ($Q's, 0600)"

# b. A message larger than the tmpfs (2 MB into 1 MiB): a write error
# (53), nothing handed on (no partial message), the directory removed by
# the pass the message started, and room for the next message.
remount size=1m
{ printf 'Subject: large\n\n'; head -c 1500000 /dev/urandom | base64; } > "$W/large"
qrun SCANDIR="$MP" -- "$W/large"
is "$EXIT" 53 "message larger than the tmpfs spool: 53 (write error)"
t "... nothing passed on" nothing_passed
t "... because the spool was full" grep -q "unable to write msg: No space left on device" "$R/stderr"
t "... the pass removed its directory within 2 s" settled
t "... and the spool is empty again" sh -c '[ "$(df --output=used -B1 "$1" | tail -n 1)" -lt 65536 ]' x "$MP"
qrun SCANDIR="$MP" -- "$W/m"
is "$EXIT" 0 "then a small message passes: 0"
t "... byte for byte" same "$W/m" "$R/msg"
t "... and its directory goes too" settled

# c. A tmpfs out of inodes. The spool's own directory takes one, the
# lock file one, then each message @NAME, work, msg, env, one each: with
# nr_inodes=N the Nth inode is the last to be had. So 3 lets qscanq make
# @NAME but not work/ (qscanq gives up: abandon(), 71), 4 lets it make
# work/ but not msg (qscanq-stdin: 53), 5 msg but not env (53). A pass
# is held off by the test holding the lock, so the directory each leaves
# can be seen: not sticky (0700), hence the next pass takes it.
remount size=4m,nr_inodes=1
SCANDIR=$MP "$RUNCLEANQ" 2> "$W/err"
is "$?" 111 "run-cleanq on a tmpfs with no inode for the lock file: 111"
t "... and says why" grep -q "unable to create $MP/lock: No space left on device" "$W/err"
for ni in 3 4 5; do
  case $ni in
    3) code=71 item=work what='mkdir @[0-9a-f.]*/work' ;;
    4) code=53 item=msg what='create msg' ;;
    5) code=53 item=env what='create env' ;;
  esac
  remount "size=4m,nr_inodes=$ni"
  SCANDIR=$MP "$RUNCLEANQ" 2> "$W/err"
  is "$?" 0 "nr_inodes=$ni: run-cleanq makes the lock file and passes"
  exec 9>>"$MP/lock"
  flock -w 30 9
  qrun SCANDIR="$MP" -- "$W/m"
  is "$EXIT" "$code" "nr_inodes=$ni, no inode for $item: $code"
  t "... says so" grep -q "unable to $what: No space left on device" "$R/stderr"
  t "... nothing passed on" nothing_passed
  is "$(stat -c %a "$MP"/@* 2>&1)" 700 "... its directory is left not sticky (0700)"
  exec 9>&-
  SCANDIR=$MP "$RUNCLEANQ" 2>/dev/null
  t "... and the next pass removes it" settled
done
# One more inode (6) is all a message needs, with a scanner that makes
# no file of its own: the counts above are exact.
remount size=4m,nr_inodes=6
SCANDIR=$MP "$RUNCLEANQ" 2>/dev/null
qrun SCANDIR="$MP" "SCANCMD=/bin/true" -- "$W/m"
is "$EXIT" 0 "nr_inodes=6: a message passes (with a scanner that makes no file)"
t "... byte for byte" same "$W/m" "$R/msg"

# d. libclamav's temporary files: the default scanner (qscanq-clamav)
# has libclamav make them in TMPDIR, the work directory, so in the
# spool. When libclamav cannot make its per-scan directory there
# (nr_inodes=6: the message took the last inode), scan_common() turns
# the error (CL_EACCES) into CL_CLEAN and nothing is scanned; with 8, the
# mail parser cannot make the file for an attachment and skips it. Out of
# space it is the same: a 676 KB message fits a 1 MiB tmpfs, the 500 KB
# attachment libclamav decodes next to it does not (fileblobAddData:
# Can't write), and the EICAR at its end would go unseen. libclamav says
# so (an error message) and carries on; qscanq-clamav counts any such
# error as a scanner failure: 71, nothing passed on. (The old
# qscanq-clamav passed all three with exit 0.)
eicar > "$W/eicar.com"
mail "$W/virus" "$W/eicar.com" "report.pdf"
{ head -c 500000 /dev/urandom; eicar; } > "$W/big.bin"
mail "$W/bigvirus" "$W/big.bin" "report.pdf"
remount size=1m
SCANDIR=$MP "$RUNCLEANQ" 2>/dev/null
qrun SCANDIR="$MP" -- "$W/bigvirus"
is "$EXIT" 71 "size=1m, 676 KB message with EICAR at the end of its attachment: 71 (scanner failure)"
t "... nothing passed on" nothing_passed
t "... libclamav's error named" grep -q "qscanq-clamav: fatal: not scanned: libclamav failed during the scan (fileblobAddData: Can't write" "$R/stderr"
for ni in 6 8; do
  remount "size=4m,nr_inodes=$ni"
  SCANDIR=$MP "$RUNCLEANQ" 2>/dev/null
  qrun SCANDIR="$MP" -- "$W/virus"
  is "$EXIT" 71 "nr_inodes=$ni, EICAR attached, libclamav out of inodes: 71 (scanner failure)"
  t "... nothing passed on" nothing_passed
  t "... libclamav's error named" grep -q "qscanq-clamav: fatal: not scanned: libclamav failed during the scan" "$R/stderr"
done
remount size=4m
qrun SCANDIR="$MP" -- "$W/virus"
is "$EXIT" 31 "... while with room to spare the same messages are a virus: 31"
qrun SCANDIR="$MP" -- "$W/bigvirus"
is "$EXIT" 31 "... and 31"

# e. The same for the name pass: qscanq-attach's archive pass
# (qscanq-attach-archives) has libclamav write each MIME part out before
# it opens it as an archive. A zip named documents.dat holds setup.exe:
# with no inode for the part's file the zip is never opened and no name
# reaches the policy; the old archive pass then said clean (exit 0, the
# message passed). Run on its own (as root: a tmpfs counts root's inodes
# too), TMPDIR on the tmpfs: 3 inodes are the
# root, then the pass's engine directory and its placeholder database
# (removed before the scan), then libclamav's per-scan and mail
# directories: the part's file finds none.
printf '.exe\n' > "$W/badext"
mkdir -p "$W/z/dir"
printf 'MZ not really\n' > "$W/z/dir/setup.exe"
(cd "$W/z" && zip -q -r ../inner.zip dir)
mail "$W/banned" "$W/inner.zip" "documents.dat"
ARCH=$QT_HOME/libexec/qscanq/qscanq-attach-archives
remount size=4m,nr_inodes=3
OUT=$(TMPDIR="$MP" "$ARCH" -f "$W/badext" < "$W/banned" 2> "$W/err"); CODE=$?
is "$CODE" 2 "archive pass, nr_inodes=3, setup.exe in a zip: 2 (failure), not 0"
is "$OUT" "msg: Qscanq.Unscannable.LibclamavError ERROR" "... reported as NAME: REASON ERROR"
t "... naming libclamav's error" grep -q "qscanq-attach: fatal: not scanned whole: libclamav failed during the scan (cli_gentempfd_with_prefix: Can't create temporary file" "$W/err"
remount size=4m
OUT=$(TMPDIR="$MP" "$ARCH" -f "$W/badext" < "$W/banned" 2> "$W/err"); CODE=$?
is "$CODE" 3 "... while with room the member is found: 3"

# f. clamd, qscanq-clamd's server, runs the same libclamav with temporary
# files in its own TemporaryDirectory, and its reply carries no trace of
# libclamav's errors: a known hole qscanq-clamd cannot close from the
# client side (see qscanq-clamd(8)). clamd's TemporaryDirectory here is a
# 300 KiB tmpfs: room for small messages, not for the 500 KB attachment
# libclamav decodes. Over FILDES (the default: clamd reads the message's
# descriptor, nothing stored first) clamd answers OK for the EICAR at its
# end: recorded as TAP TODO. Over INSTREAM clamd must store the stream
# first, cannot, and says so: a failure, 71.
if [ -x "$(command -v clamd || echo /usr/sbin/clamd)" ]; then
  . "$(dirname "$0")/clamd.sh"
  CT=$W/clamd-T
  mkdir -p "$CT"
  cmounted=no
  cunmount() {
    clamd_stop_all
    [ $cmounted = yes ] && { umount "$CT" 2>/dev/null || umount -l "$CT"; }
    cmounted=no
  }
  trap 'cunmount; unmount' EXIT
  # todo REASON DESCRIPTION COMMAND...: a known hole, as TAP TODO (prove
  # says "TODO passed" once it is closed), not counted as a failure.
  todo() {
    why=$1 d=$2
    shift 2
    tapn=$((tapn + 1))
    if "$@"; then echo "ok $tapn - $d # TODO $why"; else echo "not ok $tapn - $d # TODO $why"; fi
  }
  unmount
  # clamd_start sends clamd's output next to its temporary files; it goes
  # elsewhere (a symbolic link), as on a real system: clamd aborts when
  # it cannot write its output (SIGABRT), which would fail closed here
  # for a reason a real clamd does not share. (Its log may stay: a log
  # line it cannot write does not stop it.)
  if mount -t tmpfs -o "size=300k,mode=0755,uid=$(id -u clamav 2>/dev/null || echo 0)" tmpfs "$CT" && cmounted=yes \
    && ln -s "$W/clamd-T.out" "$CT/out" && clamd_start T "$QT/db"; then
    qrun "SCANCMD=qscanq-clamd -s $T_sock" -- "$W/virus"
    is "$EXIT" 31 "clamd, TemporaryDirectory a 300 KiB tmpfs: a small EICAR attachment is found (31)"
    qrun "SCANCMD=qscanq-clamd -s $T_sock" -- "$W/bigvirus"
    todo "clamd answers OK for a scan libclamav could not make; qscanq-clamd cannot tell" \
      "... EICAR at the end of a 500 KB attachment, FILDES: not passed (got exit $EXIT)" \
      sh -c '[ "$1" != 0 ] && [ ! -e "$2/msg" ]' x "$EXIT" "$R"
    qrun "SCANCMD=qscanq-clamd -s $T_tcp" -- "$W/bigvirus"
    is "$EXIT" 71 "... the same over INSTREAM: clamd cannot store the stream and says so: 71"
    t "... nothing passed on" nothing_passed
    t "... clamd's error named" grep -q "Error writing to temporary file" "$R/stderr"
    # With room to spare, libclamav still drops a truncated xz stream whole
    # (qscanq-clamav fails on it, tests/60): clamd says OK.
    if command -v xz >/dev/null 2>&1; then
      { eicar; printf '\n'; seq 1 20000; } | xz -c > "$W/full.xz"
      head -c $(($(wc -c < "$W/full.xz") / 2)) "$W/full.xz" > "$W/cut.xz"
      mail "$W/cutxz" "$W/cut.xz" "notes.xz"
      qrun "SCANCMD=qscanq-clamd -s $T_sock" -- "$W/cutxz"
      todo "clamd answers OK for an xz stream libclamav could not decode; qscanq-clamd cannot tell" \
        "... EICAR in a truncated xz attachment (xz -dc extracts it): not passed (got exit $EXIT)" \
        sh -c '[ "$1" != 0 ] && [ ! -e "$2/msg" ]' x "$EXIT" "$R"
      # The default list puts qscanq-attach first: an xz part may hold
      # names, so its archive pass (libclamav, in the spool) opens it,
      # meets the broken stream and fails: the message is deferred
      # before clamd's OK is asked for.
      qrun "SCANCMD=qscanq-attach ; qscanq-clamd -s $T_sock" -- "$W/cutxz"
      is "$EXIT" 71 "the default list (qscanq-attach ; qscanq-clamd): the truncated xz is deferred (71)"
      t "... nothing passed on" nothing_passed
      t "... by the archive pass, naming libclamav's error" grep -q "cli_scanxz" "$R/stderr"
    else
      skip "xz not installed"; skip "xz not installed"; skip "xz not installed"; skip "xz not installed"
    fi
  else
    ok 1 "clamd with its TemporaryDirectory on a tmpfs would not start"
  fi
  cunmount
else
  skip "clamd (clamav-daemon) not installed"
fi

done_testing
