#!/bin/sh
# Nothing hidden behind clamd's limits, in the configuration the README
# recommends: SCANCMD="qscanq-attach -m 25M -M 100M ; qscanq-clamd", clamd
# with Debian's limits and AlertExceedsMax. clamd cuts a zip member at
# MaxFileSize and says OK; qscanq-attach's archive pass, which knows the
# limits, defers such a message and refuses a bomb.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clamd.sh"
have_clamd || plan_skip_all "clamd (clamav-daemon) not installed"
mail "$W/probe"
"$QT_HOME/bin/qscanq-attach" -m 25M -M 100M < "$W/probe" > /dev/null 2>&1 \
  || plan_skip_all "qscanq-attach does not take -m/-M (clamd's limits) yet"
clamd_start A "$QT/db" "AlertExceedsMax yes" "MaxFileSize 25M" "MaxScanSize 100M" "StreamMaxLength 100M" \
  || plan_skip_all "clamd would not start"
# qscanq-attach chain-loads the scanner after its options: the same as
# the list "qscanq-attach -m 25M -M 100M ; qscanq-clamd ...", and it works
# whether or not qscanq-stdin runs lists.
LIST="qscanq-attach -m 25M -M 100M qscanq-clamd -s $A_sock"

mk() { # mk NAME: a zip of the files in $W/NAME.d, in a mail $W/NAME
  (cd "$W/$1.d" && zip -q -r "../$1.zip" .) && mail "$W/$1" "$W/$1.zip"
}
mkdir -p "$W/pad.d" "$W/pad30.d" "$W/clean.d" "$W/nest.d"
{ head -c 150M /dev/zero; eicar; } > "$W/pad.d/report.txt"; mk pad; rm -f "$W/pad.d/report.txt"
{ head -c 30M /dev/zero; eicar; } > "$W/pad30.d/report.txt"; mk pad30
gzip -c "$W/pad30.d/report.txt" > "$W/pad30.gz"; mail "$W/gz" "$W/pad30.gz"; rm -f "$W/pad30.d/report.txt"
head -c 1G /dev/zero | zip -q "$W/big.zip" - && mail "$W/big" "$W/big.zip"
head -c 20M /dev/zero > "$W/clean.d/zeros.bin"; mk clean; rm -f "$W/clean.d/zeros.bin"
head -c 90M /dev/zero > "$W/nest.d/a.bin"
(cd "$W/nest.d" && for i in b c d e; do ln a.bin $i.bin; done && zip -q -m w.zip ?.bin \
  && cp w.zip v.zip && zip -q -m m.zip v.zip w.zip && cp m.zip n.zip)
mk nest

# Why the pass is needed: clamd alone on the padded EICAR (not a test: it
# is clamd's behaviour, 1.4.6 says OK).
diag "clamd alone, EICAR after 150 MB of zeros in a zip: $("$QT_HOME/bin/qscanq-clamd" -s "$A_sock" "$W/pad" 2>&1)"

qrun "SCANCMD=$LIST" -- "$W/pad"
is "$EXIT" 31 "EICAR after 150 MB of zeros (150 KB zip): refused as a bomb (over -M, 1000:1)"
t "... not delivered" [ ! -e "$R/msg" ]
qrun "SCANCMD=$LIST" -- "$W/pad30"
is "$EXIT" 71 "EICAR after 30 MB of zeros (30 KB zip): past clamd's MaxFileSize, deferred (71)"
t "... not delivered" [ ! -e "$R/msg" ]
qrun "SCANCMD=$LIST" -- "$W/gz"
is "$EXIT" 71 "the same gzipped: deferred (71)"
qrun "SCANCMD=$LIST" -- "$W/big"
is "$EXIT" 31 "1 GB of zeros in a 1 MB zip: refused (31)"
qrun "SCANCMD=$LIST" -- "$W/nest"
is "$EXIT" 31 "nested bomb (2 x 2 x 5 x 90 MB): refused (31)"
qrun "SCANCMD=$LIST" -- "$W/clean"
is "$EXIT" 0 "a 20 MB clean member, within clamd's limits: delivered"
[ "$EXIT" = 0 ] || diag "$(cat "$R/caller.err")"
t "... byte for byte" same "$W/clean" "$R/msg"

# The archive pass on its own: the report and the diagnostic.
OUT=$(cd "$W" && TMPDIR=$W "$QT_HOME/bin/qscanq-attach" -m 25M -M 100M < "$W/pad30" 2>"$W/err"); CODE=$?
is "$CODE/$OUT" "2/msg: Heuristics.Limits.Exceeded.MaxFileSize ERROR" "qscanq-attach -m 25M: past MaxFileSize, exit 2"
t "... naming the member and the settings to raise" sh -c 'grep -q "report.txt (31457348 bytes) is larger than MaxFileSize (26214400).*clamd.conf" "$1"' x "$W/err"
OUT=$(cd "$W" && TMPDIR=$W "$QT_HOME/bin/qscanq-attach" -m 50M -M 100M < "$W/pad30" 2>"$W/err"); CODE=$?
is "$CODE" 0 "... with -m 50M (clamd raised alike) the pass lets it through to clamd"

done_testing
