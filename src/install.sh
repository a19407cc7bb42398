#!/bin/sh
# Installs what src/hier.tab lists, with its owner, group and mode.
# usage: install.sh BUILD DESTDIR HOME SCANDIR QSCAND
# Owners are set only when run as root; otherwise everything is installed
# as the current user (a private test or staging tree).
set -eu
build=$1 dest=$2 home=$3 scandir=$4 qscand=$5
here=$(dirname "$0")
root=no; [ "$(id -u)" = 0 ] && root=yes
if [ $root = yes ] && ! id "$qscand" >/dev/null 2>&1; then
  echo "install.sh: fatal: user $qscand does not exist (run make setup, or create it)" >&2
  exit 100
fi
grp() { id -gn "$qscand"; }
while read -r type path owner group mode src; do
  case "$type" in ''|'#'*) continue;; esac
  path=$(printf '%s' "$path" | sed "s|^HOME|$home|; s|^SCANDIR|$scandir|")
  target=$dest$path
  [ "$owner" = QSCAND ] && owner=$qscand
  [ "$group" = QSCAND ] && group=$(grp)
  case "$type" in
    d) mkdir -p "$target" ;;
    f|m)
      case "$type" in f) from=$build/$src ;; m) from=$here/../man/$src ;; esac
      [ -f "$from" ] || { echo "install.sh: fatal: $from is missing (run make)" >&2; exit 111; }
      # New inode, then rename: a running program keeps its old copy.
      cp "$from" "$target.new"
      target_tmp=$target.new
      [ $root = yes ] && chown "$owner:$group" "$target_tmp"
      chmod "$mode" "$target_tmp"
      mv -f "$target_tmp" "$target"
      continue ;;
    *) echo "install.sh: fatal: bad line type $type" >&2; exit 100 ;;
  esac
  # chown before chmod: chown clears the set-id bits.
  [ $root = yes ] && chown "$owner:$group" "$target"
  chmod "$mode" "$target"
done < "$here/hier.tab"
