#!/bin/sh
# make check-deb: the Debian package, for real, on this machine (root,
# Debian 12). Builds it from a clean clone of HEAD, runs lintian, installs
# it with apt, checks every file against src/hier.tab, runs
# qscanq-selftest against a clamd of its own, upgrades to a rebuilt
# package over a local dpkg-statoverride, removes and purges it. Leaves
# the machine as it found it: the package purged, the stand-ins gone.
# Not part of make check (it changes the system and takes a minute).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/common.sh"

tapn=0 tapfail=0
ok() { tapn=$((tapn + 1)); if [ "$1" = 0 ]; then echo "ok $tapn - $2"; else echo "not ok $tapn - $2"; tapfail=$((tapfail + 1)); fi; }
t() { d=$1; shift; if "$@"; then ok 0 "$d"; else ok 1 "$d"; fi; }
is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got: '$1'"; echo "#  want: '$2'"; fi; }
diag() { echo "# $*"; }
bail() { echo "Bail out! $*"; exit 1; }

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP make check-deb installs a package: run it as root"; exit 0; }
command -v apt-get > /dev/null || { echo "1..0 # SKIP not a Debian system"; exit 0; }

conf() { head -n 1 "$TOP/conf-$1"; }
QSCAND=$(conf users) SPOOL=$(conf scandir) QMAIL=$(conf qmail)
QSCANQ=/usr/bin/qscanq
WANTS=/etc/systemd/system/timers.target.wants/qscanq-cleanq.timer
APT="apt-get -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends"
export DEBIAN_FRONTEND=noninteractive

# What must be true before, so that after the purge it can be true again.
if dpkg-query -W -f '${Status}' qscanq 2> /dev/null | grep -q 'installed\|config-files'; then
  bail "the package qscanq is installed here: this test would purge it"
fi
[ -e "$SPOOL" ] && bail "$SPOOL exists: this test would remove it"
[ -e "$QMAIL" ] && bail "$QMAIL exists: this test puts a stand-in qmail-queue there"
user_before=no; getent passwd "$QSCAND" > /dev/null && user_before=yes

# The build dependencies (as tools/deps does: only what is missing).
missing=
for p in dpkg-dev debhelper lintian fakeroot git $(sed -n 's/^Build-Depends: //p' "$TOP/debian/control" | tr -d ' ' | tr ',' '\n' | sed 's/(.*//' | grep -v debhelper-compat); do
  dpkg-query -W -f='${Status}\n' "$p" 2> /dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  diag "installing:$missing"
  # shellcheck disable=SC2086
  $APT -qq install $missing > /dev/null || bail "apt-get install$missing failed"
fi

T=$(mktemp -d /tmp/qscanq-check-deb.XXXXXX)
chmod 755 "$T"
made_qmail=
clamd_pid=
snapshot() { # what an install makes: all must be gone again after the purge
  # (by name: other packages may come and go meanwhile)
  find /etc /usr /var/lib /var/spool /var/cache -xdev 2> /dev/null | grep -i 'qscanq\|cleanq' | sort
  [ -e "$QMAIL" ] && echo "$QMAIL"
  grep -i qscanq /var/lib/dpkg/statoverride
  getent passwd "$QSCAND"; getent group "$QSCAND"
}
cleanup() {
  [ -n "$clamd_pid" ] && kill "$clamd_pid" 2> /dev/null && wait "$clamd_pid" 2> /dev/null
  if dpkg-query -W -f '${Status}' qscanq 2> /dev/null | grep -q 'installed\|config-files'; then
    dpkg --purge qscanq > /dev/null 2>&1
  fi
  [ -n "$made_qmail" ] && rm -rf "$made_qmail"
  [ -n "${QT_KEEP:-}" ] || rm -rf "$T"
  # Left by a purge that found a file of the test's still owned by it.
  if [ "$user_before" = no ] && getent passwd "$QSCAND" > /dev/null; then
    deluser --system --quiet "$QSCAND" > /dev/null 2>&1
    delgroup --system --quiet "$QSCAND" > /dev/null 2>&1
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
snapshot > "$T/before"

# 1. make deb from a clean clone of HEAD (uncommitted changes are not in it).
start=$(date +%s)
git clone -q "$TOP" "$T/src" || bail "git clone failed"
t "make deb builds from a clean clone" sh -c "cd '$T/src' && make deb > '$T/build.log' 2>&1"
[ -f "$T"/qscanq_*_amd64.deb ] || { tail -n 20 "$T/build.log" | sed 's/^/#   /'; bail "no package built"; }
version=$(head -n 1 "$T/src/version")
t "the package is qscanq_${version}_amd64.deb" [ -f "$T/qscanq_${version}_amd64.deb" ]
diag "built in $(($(date +%s) - start)) s"

# 2. lintian: no errors; the rest is listed (the overrides, with their
# reasons, are debian/qscanq.lintian-overrides).
lintian --pedantic -I --fail-on error "$T/qscanq_${version}_amd64.changes" > "$T/lintian" 2>&1
lintian_exit=$?
grep -v '^running with root\|^N: ' "$T/lintian" | sed 's/^/#   lintian: /'
is "$lintian_exit $(grep -c '^E:' "$T/lintian")" "0 0" "lintian reports no errors (and ran)"

# Stand-ins for qmail, which Debian does not ship: a qmail-queue that
# records what it gets, and a small databytes for the self-test.
# (So $QMAIL must not exist: this test never touches a real qmail.)
made_qmail=$QMAIL
mkdir -p "$QMAIL/bin" "$QMAIL/control"
cat > "$QMAIL/bin/qmail-queue" << EOF
#!/bin/sh
cat > "$T/qq.msg" && cat 0<&1 > "$T/qq.env" && id -u > "$T/qq.uid"
EOF
chmod 755 "$QMAIL/bin/qmail-queue"
echo 1000000 > "$QMAIL/control/databytes"

# 3. apt-get install ./qscanq_*.deb
(cd "$T" && $APT install "./qscanq_${version}_amd64.deb") > "$T/install.log" 2>&1
t "apt-get install ./qscanq_${version}_amd64.deb" [ "$(dpkg-query -W -f '${Status}' qscanq)" = "install ok installed" ]
t "user $QSCAND exists" sh -c "getent passwd $QSCAND > /dev/null"
t "user $QSCAND has no login and no home" sh -c "getent passwd $QSCAND | grep -q ':/nonexistent:/usr/sbin/nologin\$'"

# Every file of the table the package was built from, as the table says
# (HOME is /usr).
tab=$T/src/src/hier.tab
qgroup=$(id -gn "$QSCAND")
bad=0 n=0
grep -v '^[[:space:]]*\(#\|$\)' "$tab" > "$T/tab"
while read -r type path owner group mode _; do
  n=$((n + 1))
  case "$path" in HOME/*) path=/usr/${path#HOME/} ;; SCANDIR) path=$SPOOL ;; SCANDIR/*) path=$SPOOL/${path#SCANDIR/} ;; esac
  # dh_compress gzips the man pages, as Debian policy wants.
  [ "$type" = m ] && path=$path.gz
  [ "$owner" = QSCAND ] && owner=$QSCAND
  [ "$group" = QSCAND ] && group=$qgroup
  want="$owner:$group $(printf '%o' $((0$mode)))"
  got=$(stat -c '%U:%G %a' "$path" 2> /dev/null || echo missing)
  [ "$got" = "$want" ] || { bad=$((bad + 1)); diag "$type $path: $got, want $want"; }
done < "$T/tab"
is "$bad" 0 "all $n files of src/hier.tab have the table's owner, group and mode"
# Nothing installed that the table does not list, but Debian's own.
dpkg -L qscanq | while read -r f; do
  [ -d "$f" ] && continue
  case "$f" in /usr/share/doc/qscanq/* | /usr/share/lintian/overrides/qscanq | /etc/qscanq/badext) continue ;; esac
  # /lib is /usr/lib on Debian 12 (merged /usr).
  g=${f%.gz}; g=${g#/usr}
  grep -q "^[a-z] HOME$g[[:space:]]" "$T/tab" || echo "$f"
done > "$T/extra"
is "$(cat "$T/extra")" "" "every file of the package is in src/hier.tab (or is Debian's own)"
set -- $(grep '^f HOME/bin/qscanq[[:space:]]' "$T/tab")
qo=$3 qg=$4 qm=$5
[ "$qo" = QSCAND ] && qo=$QSCAND
[ "$qg" = QSCAND ] && qg=$QSCAND
is "$(dpkg-statoverride --list "$QSCANQ")" "$qo $qg $(printf '%o' $((0$qm))) $QSCANQ" \
  "qscanq's mode is a dpkg-statoverride, from the table"
is "$(stat -c '%U:%G %a' /etc/qscanq/badext)" "root:root 644" "/etc/qscanq/badext is there"
t "/etc/qscanq/badext is a conffile" grep -qx /etc/qscanq/badext /var/lib/dpkg/info/qscanq.conffiles

# 4. The timer. systemd is not PID 1 here: is-enabled works offline on
# the unit files, and the wants link is what enable made.
if [ -d /run/systemd/system ]; then diag "systemd runs: the timer should also be active"; t "timer active" systemctl is-active --quiet qscanq-cleanq.timer
else diag "systemd does not run here (PID 1 is $(ps -p 1 -o comm=)): checking the enablement only"; fi
t "the wants link for qscanq-cleanq.timer" [ -L "$WANTS" ]
is "$(systemctl is-enabled qscanq-cleanq.timer 2> /dev/null)" enabled "systemctl is-enabled qscanq-cleanq.timer"

# 5. qscanq-selftest with a clamd of the test's own (as the clamav user,
# a generated database) and the attachment policy of /etc/qscanq.
mkdb "$T/db"
mkdir "$T/clamd"
cat > "$T/clamd/clamd.conf" << EOF
LocalSocket $T/clamd/clamd.sock
DatabaseDirectory $T/db
Foreground yes
TemporaryDirectory $T/clamd
LogFile $T/clamd/clamd.log
EOF
chown -R clamav "$T/clamd"
setpriv --reuid=clamav --regid=clamav --clear-groups "$(command -v clamd || echo /usr/sbin/clamd)" -c "$T/clamd/clamd.conf" > "$T/clamd/out" 2>&1 &
clamd_pid=$!
i=0
until /usr/bin/qscanq-clamd -P -t 5 -s "$T/clamd/clamd.sock" > /dev/null 2>&1; do
  i=$((i + 1)); [ $i -lt 600 ] && kill -0 $clamd_pid 2> /dev/null || { sed 's/^/#   /' "$T/clamd/out"; bail "clamd did not come up"; }
  sleep 0.1
done
SCANCMD="qscanq-attach -f /etc/qscanq/badext qscanq-clamd -s $T/clamd/clamd.sock" qscanq-selftest > "$T/selftest" 2>&1
ok $? "qscanq-selftest passes"
sed 's/^/#   /' "$T/selftest"
t "the self-test refused the banned attachment (badext is in force)" grep -q '^ok   banned ' "$T/selftest"
# qscanq-clamd first in the list: the self-test asks clamd itself too.
SCANCMD="qscanq-clamd -s $T/clamd/clamd.sock" qscanq-selftest > "$T/selftest2" 2>&1
ok $? "qscanq-selftest passes with qscanq-clamd alone"
t "... and found clamd answering" grep -q "^ok   clamd $T/clamd/clamd.sock *answers PING" "$T/selftest2"

# A clean message as qmail-smtpd would send it, through the package's
# default downstream (conf-qmail/bin/qmail-queue).
mail "$T/clean.eml"; envelope "$T/env"; chmod 644 "$T/clean.eml" "$T/env"
SCANCMD="qscanq-clamd -s $T/clamd/clamd.sock" $QSCANQ < "$T/clean.eml" 1< "$T/env" 2> "$T/qscanq.err"
ok $? "a clean message reaches $QMAIL/bin/qmail-queue"
t "... byte for byte, envelope too" sh -c "cmp -s '$T/clean.eml' '$T/qq.msg' && cmp -s '$T/env' '$T/qq.env'"
is "$(cat "$T/qq.uid" 2> /dev/null)" 0 "... as the caller (root)"

# 6. Upgrade to a rebuilt package over a local statoverride.
dpkg-statoverride --remove "$QSCANQ"
dpkg-statoverride --update --add "$QSCAND" "$QSCAND" 4710 "$QSCANQ"
t "make deb refuses a version file and changelog that disagree" sh -c "cd '$T/src' && echo 9.9.9 > version &&
  ! make deb > '$T/mismatch.log' 2>&1 && grep -q 'version says 9.9.9 but debian/changelog' '$T/mismatch.log'"
(
  cd "$T/src" || exit 1
  echo "$version+test1" > version
  # The rebuilt table makes qscanq setgid too, whatever it said before:
  # the change an override set by an earlier version must follow.
  awk '$1 == "f" && $2 == "HOME/bin/qscanq" { $5 = "06711" } { print }' src/hier.tab > src/hier.tab.new &&
    mv src/hier.tab.new src/hier.tab || exit 1
  { printf 'qscanq (%s) unstable; urgency=medium\n\n  * Test rebuild (make check-deb).\n\n -- %s  %s\n\n' \
      "$version+test1" "$(dpkg-parsechangelog -S Maintainer)" "$(date -R)"; cat debian/changelog; } > debian/changelog.new
  mv debian/changelog.new debian/changelog
  make deb > "$T/build2.log" 2>&1
) || { tail -n 20 "$T/build2.log" | sed 's/^/#   /'; bail "the rebuild failed"; }
(cd "$T" && $APT install "./qscanq_${version}+test1_amd64.deb") > "$T/upgrade.log" 2>&1
is "$(dpkg-query -W -f '${Version}' qscanq)" "$version+test1" "upgraded to $version+test1"
is "$(dpkg-statoverride --list "$QSCANQ")" "$QSCAND $QSCAND 4710 $QSCANQ" "the local statoverride survives the upgrade"
is "$(stat -c '%U:%G %a' "$QSCANQ")" "$QSCAND:$qgroup 4710" "... and the new qscanq has its mode"
t "the timer is still enabled" [ -L "$WANTS" ]
# postinst again (dpkg-reconfigure, a later upgrade) keeps it too; an
# override an earlier version set by itself (4711) follows the table.
/var/lib/dpkg/info/qscanq.postinst configure "$version" > /dev/null 2>&1
is "$(dpkg-statoverride --list "$QSCANQ")" "$QSCAND $QSCAND 4710 $QSCANQ" "postinst configure keeps the local statoverride"
dpkg-statoverride --remove "$QSCANQ"
dpkg-statoverride --update --add "$QSCAND" "$QSCAND" 4711 "$QSCANQ"
/var/lib/dpkg/info/qscanq.postinst configure "$version" > /dev/null 2>&1
is "$(dpkg-statoverride --list "$QSCANQ")" "$qo $qg 6711 $QSCANQ" "postinst moves the earlier package's own 4711 to the new table's 06711"
is "$(stat -c '%U:%G %a' "$QSCANQ")" "$QSCAND:$qgroup 6711" "... and qscanq has that mode"

# 7. remove: a message in flight stays, as do the user and the conffile.
inflight=$SPOOL/@4000000000000000000000001.1.1
mkdir -m 1700 "$inflight" "$inflight/work" && cp "$T/clean.eml" "$inflight/work/msg"
chown -R "$QSCAND:$qgroup" "$inflight"
dpkg --remove qscanq > "$T/remove.log" 2>&1
ok $? "dpkg --remove qscanq"
t "remove: the programs are gone" sh -c "[ ! -e $QSCANQ ] && [ ! -e /usr/libexec/qscanq ]"
t "remove: the message in flight stays" cmp -s "$T/clean.eml" "$inflight/work/msg"
is "$(stat -c '%U %a' "$SPOOL")" "$QSCAND 750" "remove: the spool stays as it was"
t "remove: the user stays" sh -c "getent passwd $QSCAND > /dev/null"
t "remove: the conffile stays" [ -f /etc/qscanq/badext ]

# 8. purge: nothing left but what was there before.
dpkg --purge qscanq > "$T/purge.log" 2>&1
ok $? "dpkg --purge qscanq"
sed 's/^/#   /' "$T/purge.log"
t "purge: the spool is gone" [ ! -e "$SPOOL" ]
t "purge: /etc/qscanq is gone" [ ! -e /etc/qscanq ]
is "$(dpkg-statoverride --list "$QSCANQ")" "" "purge: the statoverride is gone"
t "purge: the timer's wants link is gone" [ ! -L "$WANTS" ]
if [ $user_before = no ]; then
  t "purge: user and group $QSCAND are gone (they owned nothing else)" sh -c "! getent passwd $QSCAND && ! getent group $QSCAND"
fi
rm -rf "$made_qmail"; made_qmail=
snapshot > "$T/after"
diff "$T/before" "$T/after" > "$T/diff"
is "$(cat "$T/diff")" "" "the machine is as it was before (files, statoverrides, user)"

# A user that still owns a file is kept by purge.
(cd "$T" && $APT install "./qscanq_${version}+test1_amd64.deb") > /dev/null 2>&1
touch "$T/owned" && chown "$QSCAND" "$T/owned"
dpkg --purge qscanq > "$T/purge2.log" 2>&1
t "purge keeps $QSCAND while it owns a file, and says which" sh -c "getent passwd $QSCAND > /dev/null && grep -q 'keeping user $QSCAND' '$T/purge2.log'"
rm -f "$T/owned"
if [ $user_before = no ]; then deluser --system --quiet "$QSCAND" > /dev/null 2>&1; delgroup --system --quiet "$QSCAND" > /dev/null 2>&1; fi
snapshot > "$T/after2"
is "$(diff "$T/before" "$T/after2")" "" "... and the machine is as it was once that user is removed"

echo "1..$tapn"
[ $tapfail = 0 ]
