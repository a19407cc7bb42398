#!/bin/sh
# Nothing hidden behind a limit: an archive member that was not scanned
# whole is never clean. libclamav trims a zip member to MaxFileSize without
# a finding; qscanq-clamav's size guard turns that into a failure (deferred,
# 71) or, for a bomb, a refusal (31). See qscanq-clamav(8).
. "$(dirname "$0")/lib.sh"

SC=$QT_HOME/bin/qscanq-clamav
DB=$QT/db
scan() { # scan [OPTIONS...] FILE: sets CODE, OUT, ERR
  OUT=$(cd "$W" && TMPDIR=$W "$SC" -d "$DB" "$@" 2>"$W/err"); CODE=$?
  ERR=$(cat "$W/err")
}
mk() { # mk NAME: a zip of the files in $W/NAME.d, in a mail $W/NAME
  (cd "$W/$1.d" && zip -q -r "../$1.zip" .) && mail "$W/$1" "$W/$1.zip"
}
mkdir -p "$W/pad.d" "$W/big.d" "$W/small.d" "$W/clean.d" "$W/nest.d" "$W/tiny.d"

# The big test files, made once: EICAR after 150 MB of zeros (a 150 KB
# zip), 1 GB of zeros (a 1 MB zip), 100 MB of zeros (clean, 100 KB), and a
# nested bomb: a zip of 2 zips of 2 zips of 5 x 90 MB of zeros (1.8 GB in
# a 1.8 MB zip).
{ head -c 150M /dev/zero; eicar; } > "$W/pad.d/report.txt"; mk pad; rm -f "$W/pad.d/report.txt"
head -c 1G /dev/zero | zip -q "$W/big.zip" - && mail "$W/big" "$W/big.zip"
head -c 100000000 /dev/zero > "$W/clean.d/zeros.bin"; mk clean; rm -f "$W/clean.d/zeros.bin"
head -c 90M /dev/zero > "$W/nest.d/a.bin"
(cd "$W/nest.d" && for i in b c d e; do ln a.bin $i.bin; done && zip -q -m w.zip ?.bin \
  && cp w.zip v.zip && zip -q -m m.zip v.zip w.zip && cp m.zip n.zip)
mk nest
# Small ones, for quick checks with small limits: EICAR after 3 MB of
# zeros; six 1000 KB members with EICAR in the last.
{ head -c 3M /dev/zero; eicar; } > "$W/small.d/p.bin"; mk small
gzip -c "$W/small.d/p.bin" > "$W/p.gz"; mail "$W/gz" "$W/p.gz"
(cd "$W/small.d" && tar czf ../p.tgz p.bin); mail "$W/tgz" "$W/p.tgz"
for i in 1 2 3 4 5 6; do head -c 1000K /dev/urandom > "$W/tiny.d/f$i"; done; eicar >> "$W/tiny.d/f6"; mk tiny
{ head -c 1M /dev/zero; eicar; } | (cd "$W" && zip -q piped.zip -); mail "$W/piped" "$W/piped.zip"

# The padded EICAR: with the default MaxFileSize (100M) the member is cut,
# so the scan fails naming the limit; raised, the EICAR is found.
scan "$W/pad"
is "$CODE" 2 "EICAR after 150 MB of zeros in a zip: exit 2 (not clean: a size limit)"
is "$OUT" "$W/pad: Heuristics.Limits.Exceeded.MaxFileSize ERROR" "... reported as MaxFileSize"
[ -n "$OUT" ] || diag "stderr: $ERR"
t "... the diagnostic names the member and the option to raise" sh -c 'echo "$1" | grep -q "report.txt (157286468 bytes) is larger than MaxFileSize (104857600).*raise it with -m"' x "$ERR"
scan -m 200M "$W/pad"
is "$CODE/$OUT" "1/$W/pad: Qscanq.Test.EICAR.UNOFFICIAL FOUND" "... with -m 200M the member is scanned whole: EICAR found"

# A bomb is refused, not deferred: it will never fit.
scan "$W/big"
is "$CODE/$OUT" "1/$W/big: Qscanq.Heuristics.ArchiveBomb FOUND" "1 GB of zeros in a 1 MB zip: refused as a bomb"
scan -m 200M -M 400M "$W/big"
is "$CODE" 1 "... also with -m 200M -M 400M"
scan "$W/nest"
is "$CODE/$OUT" "1/$W/nest: Qscanq.Heuristics.ArchiveBomb FOUND" "nested bomb (2 x 2 x 5 x 90 MB): refused as a bomb"

# Within the limits a big member passes.
scan "$W/clean"
is "$CODE/$OUT" "0/$W/clean: OK" "a 100 MB clean member, default limits: clean"
scan -m 200M -M 400M "$W/clean"
is "$CODE" 0 "... and with -m 200M -M 400M"

# Other containers and limits, with small limits.
scan -m 1M -M 4M "$W/small"
is "$CODE/$OUT" "2/$W/small: Heuristics.Limits.Exceeded.MaxFileSize ERROR" "zip member past -m 1M: exit 2, MaxFileSize"
scan -m 1M -M 4M "$W/gz"
is "$CODE/$OUT" "2/$W/gz: Heuristics.Limits.Exceeded.MaxFileSize ERROR" "gzip past -m 1M: exit 2 (libclamav's finding is a failure, not a virus)"
scan -m 1M -M 4M "$W/tgz"
is "$CODE/$OUT" "2/$W/tgz: Heuristics.Limits.Exceeded.MaxFileSize ERROR" "tar.gz past -m 1M: exit 2, MaxFileSize"
scan -m 10M -M 4M "$W/tiny"
is "$CODE/$OUT" "2/$W/tiny: Heuristics.Limits.Exceeded.MaxScanSize ERROR" "six 1000 KB members past -M 4M: exit 2, MaxScanSize"
t "... naming -M" sh -c 'echo "$1" | grep -q "raise it with -M"' x "$ERR"
scan -m 1k "$W/tiny"
is "$CODE/$OUT" "2/$W/tiny: Heuristics.Limits.Exceeded.MaxFileSize ERROR" "a message larger than -m: exit 2, MaxFileSize (not an unnamed virus)"
scan "$W/piped"
is "$CODE/$OUT" "2/$W/piped: Qscanq.Unscannable.Zip64 ERROR" "a piped zip (zip64 local header libclamav skips): exit 2, not clean"
scan -m 0 "$W/tiny"
is "$CODE" 2 "-m 0: usage error, exit 2"
scan -m 12X "$W/tiny"
is "$CODE" 2 "-m 12X: usage error, exit 2"

# Through the chain: SCANCMD is qscanq-clamav with its defaults.
qrun -- "$W/pad"
is "$EXIT" 71 "chain: padded EICAR deferred (71)"
t "... not delivered" [ ! -e "$R/msg" ]
qrun -- "$W/big"
is "$EXIT" 31 "chain: 1 GB zip refused (31)"
qrun -- "$W/nest"
is "$EXIT" 31 "chain: nested bomb refused (31), default limits"
qrun -- "$W/clean"
is "$EXIT" 0 "chain: 100 MB clean member delivered"
t "... byte for byte" same "$W/clean" "$R/msg"

t "no temporary files left in TMPDIR" sh -c '[ -z "$(find "$1" -name "clamav-*" -print -quit)" ]' x "$W"
done_testing
