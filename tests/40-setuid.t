#!/bin/sh
# The setuid boundary, for real: qscanq installed setuid to a throwaway
# qscand in a temporary root, called by throwaway users.
. "$(dirname "$0")/lib.sh"
need_root || plan_skip_all "not root: the setuid tests need root to make throwaway users and a setuid install"

Q=$QT_QSCAND
quid=$(uid_of "$Q") qgid=$(gid_of "$Q")
tuid=$(uid_of "$QT_TRUSTED") tgid=$(gid_of "$QT_TRUSTED")
uuid=$(uid_of "$QT_UNTRUSTED") ugid=$(gid_of "$QT_UNTRUSTED")

is "$(stat -c '%U %G %a' "$QSCANQ")" "$Q $(id -gn "$Q") 6711" "qscanq is setuid and setgid $Q, mode 6711"
is "$(stat -c '%U %a' "$QT_HOME/libexec/qscanq/qscanq-stdin")" "root 755" "qscanq-stdin is root, 755, not setuid"
is "$(stat -c '%U %G %a' "$QT_SPOOL")" "$Q $(id -gn "$Q") 750" "spool is $Q:$Q 750"

mail "$W/m"
# The downstream: the caller's ids, for good.
qrun -u "$QT_TRUSTED" -- "$W/m"
is "$EXIT" 0 "trusted caller, clean message: 0"
is "$(sed -n 1p "$R/ids")" "uid $tuid $tuid $tuid" "downstream runs as the caller (real, effective, saved uid)"
is "$(sed -n 2p "$R/ids")" "gid $tgid $tgid $tgid" "downstream runs with the caller's gid"
t "downstream cannot become $Q again" sh -c '[ "$(cat "$1/regain")" = "Operation not permitted" ]' x "$R"

qrun -u root -- "$W/m"
is "$EXIT" 0 "root as the caller (qmail-inject from cron), clean message: 0"
is "$(sed -n 1p "$R/ids")" "uid 0 0 0" "downstream runs as root"

qrun -u "$QT_UNTRUSTED" -- "$W/m"
is "$EXIT" 0 "untrusted caller, clean message: 0"
is "$(sed -n 1p "$R/ids")" "uid $uuid $uuid $uuid" "downstream runs as the untrusted caller"
is "$(sed -n 2p "$R/ids")" "gid $ugid $ugid $ugid" "... with its gid"
t "... and cannot become $Q" sh -c '[ "$(cat "$1/regain")" = "Operation not permitted" ]' x "$R"

# What glibc removes from a set-id program's environment never reaches
# the downstream program; everything else does (qscanq(8) lists it).
# (The static programs' glibc: a dynamically linked build, as under make
# check-sanitize, has the loader's own list.)
if need_static; then
  qrun -u "$QT_UNTRUSTED" TMPDIR=/x LD_LIBRARY_PATH=/x NLSPATH=/x LOCALDOMAIN=x RES_OPTIONS=x MALLOC_CHECK_=1 \
    GLIBC_TUNABLES=glibc.malloc.check=1:glibc.malloc.arena_max=2 TZ=UTC QSCANQ_TEST_KEPT=yes -- "$W/m"
  is "$(grep -E '^(TMPDIR|LD_LIBRARY_PATH|NLSPATH|LOCALDOMAIN|RES_OPTIONS|MALLOC_CHECK_|GLIBC_TUNABLES|TZ|QSCANQ_TEST_KEPT)=' "$R/environ" | sort | tr '\n' ' ')" \
    "GLIBC_TUNABLES=glibc.malloc.arena_max=2 QSCANQ_TEST_KEPT=yes TZ=UTC " "the downstream gets the environment but what glibc removes for a set-id program"
else
  skip "sanitizer build: the dynamic loader removes its own list"
fi

# The scanner: qscand through and through, its own small world.
mkdir -p "$W/scan"; chmod 1777 "$W/scan"
qrun -u "$QT_TRUSTED" "SCANCMD=$B/qq-record -s $W/scan 0" -- "$W/m"
is "$EXIT" 0 "recording scanner says clean: 0"
is "$(sed -n 1p "$W/scan/ids")" "uid $quid $quid $quid" "scanner runs as $Q (real, effective, saved)"
is "$(sed -n 2p "$W/scan/ids")" "gid $qgid $qgid $qgid" "... and with $Q's group, although the caller is in none of $Q's groups"
is "$(tr '\n' ' ' < "$W/scan/fds")" "0 1 2 " "scanner has fds 0 1 2 only (no envelope)"
is "$(cat "$W/scan/fd0")" "rdonly offset 0" "scanner's fd 0 is the message, read-only"
t "scanner saw the message" same "$W/m" "$W/scan/msg"
is "$(sed 's/=.*//' "$W/scan/environ" | sort | tr '\n' ' ')" "PATH TMPDIR " "scanner's environment is PATH and TMPDIR"
tmpdir=$(sed -n 's/^TMPDIR=//p' "$W/scan/environ")
is "$(cat "$W/scan/cwd")" "$tmpdir" "scanner's cwd is TMPDIR"
case "$tmpdir" in "$QT_SPOOL"/@*/work) r=0 ;; *) r=1 ;; esac
ok $r "... which is the message's work directory in the spool"

# Trust: SCANCMD and SCANDIR.
mkdir -p "$W/other"; chown "$Q" "$W/other"; chmod 750 "$W/other"
qrun -u "$QT_UNTRUSTED" "SCANCMD=/bin/sh -c 'exit 2'" -- "$W/m"
is "$EXIT" 0 "untrusted caller's SCANCMD is ignored (the default scanner says clean)"
{ printf 'Subject: x\n\n'; eicar; } > "$W/v"
qrun -u "$QT_UNTRUSTED" "SCANCMD=/bin/true" -- "$W/v"
is "$EXIT" 31 "untrusted caller cannot switch the scanner off"
qrun -u "$QT_UNTRUSTED" "SCANDIR=$W/other" QSCANQ_LOG=1 -- "$W/m"
is "$EXIT" 0 "untrusted caller's SCANDIR: message goes through"
t "... in the compiled-in spool, not SCANDIR" sh -c '[ -z "$(ls -A "$1")" ]' x "$W/other"
# An untrusted caller's message directory is made with qscand's group
# (setgid), so the default scanner, which gets qscanq's ids, has it too.
exec 9>>"$QT_SPOOL/lock"; flock -w 30 9
qrun -u "$QT_UNTRUSTED" -- "$W/m"
d=$(ls -dt "$QT_SPOOL"/@* | head -n 1)
is "$EXIT $(stat -c %G "$d")" "0 $(id -gn "$Q")" "untrusted caller: the message directory has $Q's group"
is "$(sed -n 2p "$R/ids")" "gid $ugid $ugid $ugid" "... and the downstream has the caller's group only"
exec 9>&-
qrun -u "$QT_TRUSTED" "SCANCMD=/bin/sh -c 'exit 2'" -- "$W/m"
is "$EXIT" 71 "trusted caller's SCANCMD is honoured"
# Holding run-cleanq's lock keeps the finished directory for us to see.
exec 9>>"$W/other/lock"; chown "$Q" "$W/other/lock"; flock -w 30 9
qrun -u "$QT_TRUSTED" "SCANDIR=$W/other" -- "$W/m"
is "$EXIT" 0 "trusted caller's SCANDIR is honoured"
t "... the message directory is there" sh -c 'ls -d "$1"/@* >/dev/null 2>&1' x "$W/other"
exec 9>&-

# A trusted caller's SCANDIR must be a real directory owned by $Q and
# writable by nobody else; else 71, and nothing is made or changed there.
mkdir -m 750 "$W/target"; chown "$Q" "$W/target"
ln -s "$W/target" "$W/linkspool"
mkdir -m 755 "$W/foreign"; chown "$QT_UNTRUSTED" "$W/foreign"
mkdir -m 777 "$W/open"; chown "$Q" "$W/open"
mkdir -m 770 "$W/groupw"; chown "$Q" "$W/groupw"
for s in linkspool:"a symbolic link" foreign:"not owned by $Q" open:"writable by group or others" groupw:"writable by group or others"; do
  dir=${s%%:*} why=${s#*:}
  qrun -u "$QT_TRUSTED" "SCANDIR=$W/$dir" -- "$W/m"
  is "$EXIT" 71 "trusted caller's SCANDIR $dir refused: 71"
  t "... with the reason ($why)" grep -q "refusing spool $W/$dir: $why" "$R/stderr"
  t "... and nothing passed on" [ ! -e "$R/ids" ]
done
t "nothing made in the spools refused" sh -c 'for d in target foreign open groupw; do [ -z "$(ls -A "$1/$d")" ] || exit 1; done' x "$W"
is "$(stat -c %a "$W/target") $(stat -c %a "$W/open")" "750 777" "... nor any mode changed (through the link either)"

# The sticky bit: set while the scanner runs, cleared after.
exec 9>>"$QT_SPOOL/lock"; flock -w 30 9
qrun -u "$QT_TRUSTED" "SCANCMD=/bin/sh -c 'stat -c %a .. > $W/scan/mode; stat -c %U:%a msg > $W/scan/msgmode'" -- "$W/m"
is "$EXIT" 0 "scanner recorded the directory mode"
is "$(cat "$W/scan/mode")" 1700 "the message directory is sticky (1700) while the scanner runs"
is "$(cat "$W/scan/msgmode")" "$Q:640" "msg is $Q's, mode 640"
d=$(ls -dt "$QT_SPOOL"/@* | head -n 1)
is "$(stat -c '%U %a' "$d")" "$Q 700" "after qscanq exits the directory is $Q's and not sticky (700)"
exec 9>&-

# The caller's exit code arrives without waiting for run-cleanq: a slow
# run-cleanq (3 s) must not hold the caller's stderr or reply pipe.
rc=$QT_HOME/libexec/qscanq/run-cleanq
mv "$rc" "$rc.real"
printf '#!/bin/sh\nsleep 3\ntouch %s/slow-ran\nexec %s.real\n' "$W" "$rc" > "$rc"
chmod 755 "$rc"
qrun -u "$QT_TRUSTED" -r 6 QSCANQ_REPLY=notqmail -- "$W/m"
is "$EXIT" 0 "with a slow run-cleanq: exit 0"
t "stderr and the reply fd reach EOF at once (${EOF_MS} ms after exit)" [ "$EOF_MS" -lt 1000 ]
sleep 4
t "the slow run-cleanq did run, detached" [ -e "$W/slow-ran" ]
mv -f "$rc.real" "$rc"

done_testing
