#!/bin/sh
# Installs (or removes) what src/hier.tab lists, with its owner, group
# and mode.
# usage: install.sh install|uninstall BUILD DESTDIR HOME QMAIL SCANDIR SCANCMD QSCAND QMAILDKIM
#        TRUSTED AGEOUT SCANTIMEOUT QUARANTINE
# Owners are set only when run as root, and INSTALL_OWNERS is not "no";
# otherwise everything is installed as the current user (a private test
# or staging tree: a package build, where dpkg sets the owners).
set -eu
what=$1 build=$2 dest=$3 home=$4 qmail=$5 scandir=$6 scancmd=$7 qscand=$8 qmaildkim=$9
trusted=${10} ageout=${11} scantimeout=${12} quarantine=${13:-}
here=$(cd "$(dirname "$0")" && pwd)
version=$(head -n 1 "$here/../version")
root=no; [ "$(id -u)" = 0 ] && [ "${INSTALL_OWNERS:-yes}" != no ] && root=yes
if [ $what = install ] && [ $root = yes ] && ! id "$qscand" >/dev/null 2>&1; then
  echo "install.sh: fatal: user $qscand does not exist (make setup creates it)" >&2
  exit 100
fi

esc() { printf '%s' "$1" | sed 's/[\\|&]/\\&/g'; }
subst="s|@HOME@|$(esc "$home")|g; s|@QMAIL@|$(esc "$qmail")|g; s|@QMAILDKIM@|$(esc "$qmaildkim")|g; s|@SCANDIR@|$(esc "$scandir")|g; s|@SCANCMD@|$(esc "$scancmd")|g; s|@QSCAND@|$(esc "$qscand")|g; s|@TRUSTED@|$(esc "$trusted")|g; s|@AGEOUT@|$(esc "$ageout")|g; s|@SCANTIMEOUT@|$(esc "$scantimeout")|g; s|@QUARANTINE@|$(esc "$quarantine")|g; s|@VERSION@|$(esc "$version")|g"

lines() { grep -v '^[[:space:]]*\(#\|$\)' "$here/hier.tab" | sed "s|^\([a-z]\) HOME|\1 $(esc "$home")|; s|^\([a-z]\) SCANDIR|\1 $(esc "$scandir")|"; }

# The directories this installation made, so that uninstall removes
# those and no other (/usr/local/share/man belongs to the system).
made=$dest$home/share/qscanq/installed-directories

if [ "$what" = uninstall ]; then
  lines | while read -r type path _; do
    case "$type" in f|m|s|t|e) rm -f "$dest$path" ;; esac
  done
  # Deepest first, and only when empty: a spool with messages in it
  # stays.
  if [ -f "$made" ]; then
    list=$(sort -r "$made")
    rm -f "$made"
    printf '%s\n' "$list" | while read -r path; do
      [ -n "$path" ] && rmdir "$dest$path" 2>/dev/null || true
    done
  fi
  exit 0
fi

new=$(mktemp) || exit 111
trap 'rm -f "$new"' EXIT
lines | while read -r type path owner group mode src; do
  target=$dest$path
  [ "$owner" = QSCAND ] && owner=$qscand
  [ "$group" = QSCAND ] && [ $root = yes ] && group=$(id -gn "$qscand")
  case "$type" in
    d)
      if [ ! -d "$target" ]; then
        mkdir -p "$target"
        echo "$path" >> "$new"
      fi ;;
    e)
      # An empty file that stays (run-cleanq's lock). It lives in a
      # directory qscand can write, so never follow a name there: make
      # it with O_EXCL (noclobber) and the mode already right, chown -h.
      if [ -L "$target" ] || { [ -e "$target" ] && [ ! -f "$target" ]; }; then
        echo "install.sh: fatal: $target is not a regular file" >&2; exit 111
      fi
      [ -e "$target" ] || (umask 077 && set -C && : > "$target")
      [ $root = yes ] && chown -h "$owner:$group" "$target"
      continue ;;
    f|m|s|t)
      case "$type" in
        f) from=$build/$src ;;
        m) from=$here/../man/$src ;;
        s) from=$here/../share/$src ;;
        t) from=$here/$src ;;
      esac
      [ -f "$from" ] || { echo "install.sh: fatal: $from is missing (run make)" >&2; exit 111; }
      # A new file, then rename: a running program keeps its old copy.
      if [ "$type" = s ]; then sed "$subst" "$from" > "$target.new"; else cp "$from" "$target.new"; fi
      target=$target.new ;;
    *) echo "install.sh: fatal: bad line type $type" >&2; exit 100 ;;
  esac
  # chown before chmod: chown clears the set-id bits.
  [ $root = yes ] && chown "$owner:$group" "$target"
  chmod "$mode" "$target"
  case "$target" in *.new) mv -f "$target" "${target%.new}" ;; esac
done
if [ -s "$new" ]; then
  { [ -f "$made" ] && cat "$made"; cat "$new"; } | sort -u > "$made.new"
  chmod 644 "$made.new"
  mv -f "$made.new" "$made"
fi
