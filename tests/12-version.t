#!/bin/sh
# Every program of the suite answers -V with its name and the version of
# the tree (the file version), and exits 0.
. "$(dirname "$0")/lib.sh"
V=$(head -n 1 "$TOP/version")
for p in bin/qscanq libexec/qscanq/qscanq-stdin libexec/qscanq/run-cleanq bin/cleanq \
  bin/qscanq-clamd bin/qscanq-clamav bin/qscanq-attach libexec/qscanq/qscanq-attach-archives \
  bin/qscanq-quarantine bin/qscanq-selftest; do
  name=${p##*/}
  [ "$name" = qscanq-attach-archives ] && name=qscanq-attach
  out=$("$QT_HOME/$p" -V 2>&1)
  code=$?
  is "$code $out" "0 $name $V" "$p -V: $name $V"
done
t "the version is the Debian changelog's" sh -c 'head -n 1 "$1/debian/changelog" | grep -q "^qscanq ($2)"' x "$TOP" "$V"
done_testing
