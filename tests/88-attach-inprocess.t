#!/bin/sh
# A list entry whose first word is qscanq-attach runs its MIME walk and
# judging inside qscanq-stdin: the same options, report, log fields and
# verdicts as the program. Only a message with a part that may hold
# further names runs the archive pass, qscanq-attach-archives, as a
# scanner process. The compatibility form (a scanner after the options)
# still runs the program.
. "$(dirname "$0")/lib.sh"
need_root || plan_skip_all "needs root (the setuid chain)"

printf '# executables\n.exe\n.scr\n' > "$W/badext"
printf 'MZ not really\n' > "$W/prog.bin"
printf 'hello\n' > "$W/hello.txt"
mail "$W/banned" "$W/prog.bin" "invoice.exe"
mail "$W/clean" "$W/hello.txt" "notes.txt"
mkdir -p "$W/z/dir"; cp "$W/prog.bin" "$W/z/dir/setup.exe"; cp "$W/hello.txt" "$W/z/readme.txt"
(cd "$W/z" && zip -q -r ../inner.zip dir readme.txt)
mail "$W/zipped" "$W/inner.zip" "documents.zip"
mkdir -p "$W/y"; cp "$W/hello.txt" "$W/y/readme.txt"
(cd "$W/y" && zip -q ../tame.zip readme.txt)
mail "$W/tamezip" "$W/tame.zip" "tame.zip"
SC="SCANCMD=qscanq-attach -f $W/badext ; qscanq-clamav -d $QT/db"
INPROC="qscanq-stdin: info: running scanner qscanq-attach in process"

qrun QSCANQ_LOG=1 DEBUG=1 "$SC" -- "$W/banned"
is "$EXIT" 31 "a banned name (invoice.exe): refused (31)"
t "... judged in process" grep -q "^$INPROC\$" "$R/stderr"
t "... the log line: sig=banned:invoice.exe, scanner=qscanq-attach scanexit=3" \
  grep -q "verdict=banned sig=banned:invoice.exe .*scanner=qscanq-attach scanexit=3" "$R/stderr"
t "... nothing passed on" [ ! -e "$R/msg" ]
qrun -r 6 QSCANQ_REPLY=notqmail "$SC" -- "$W/banned"
is "$EXIT" 82 "notqmail mode: 82"
is "$(tr '\0' '\n' < "$R/reply" | head -n 1)" "Dbanned attachment: invoice.exe (#5.7.1)" "... and the reply names the attachment"

qrun QSCANQ_LOG=1 DEBUG=1 "$SC" -- "$W/clean"
is "$EXIT" 0 "a clean message with a text attachment: passed (0)"
t "... whole" same "$W/clean" "$R/msg"
t "... qscanq-attach in process" grep -q "^$INPROC\$" "$R/stderr"
t "... no archive pass" grep -q "^qscanq-attach: info: no part holds further names: no archive pass" "$R/stderr"
t "... and no qscanq-attach process: only the content scanner ran as one" \
  sh -c '[ "$(grep -c "^qscanq-stdin: info: running scanner " "$1")" = 2 ] && grep -q "^qscanq-stdin: info: running scanner qscanq-clamav\$" "$1"' x "$R/stderr"

qrun QSCANQ_LOG=1 DEBUG=1 "$SC" -- "$W/zipped"
is "$EXIT" 31 "setup.exe inside a zip: refused by the archive pass (31)"
t "... the walk in process handed over to the archive pass" \
  grep -q "^qscanq-attach: info: a part may hold further names: running .*/qscanq-attach-archives" "$R/stderr"
t "... which ran as a scanner process" grep -q "^qscanq-stdin: info: running scanner qscanq-attach\$" "$R/stderr"
t "... the log line: sig=banned:dir/setup.exe, scanner=qscanq-attach scanexit=3" \
  grep -q "verdict=banned sig=banned:dir/setup.exe .*scanner=qscanq-attach scanexit=3" "$R/stderr"

qrun QSCANQ_LOG=1 "$SC" -- "$W/tamezip"
is "$EXIT" 0 "a zip holding nothing banned: the archive pass says clean, passed (0)"
t "... whole" same "$W/tamezip" "$R/msg"

qrun QSCANQ_LOG=1 "SCANCMD=qscanq-attach -x ; qscanq-clamav -d $QT/db" -- "$W/clean"
is "$EXIT" 71 "a bad option (-x): a failure (71), as the program's usage error"
t "... its usage message, under its name" grep -q "^qscanq-attach: usage: qscanq-attach \[ -f badext \]" "$R/stderr"
t "... logged as its exit 2" grep -q "verdict=fail .*scanner=qscanq-attach scanexit=2" "$R/stderr"
qrun "SCANCMD=qscanq-attach -f $W/nonexistent ; qscanq-clamav -d $QT/db" -- "$W/clean"
is "$EXIT" 71 "an unreadable policy: 71"
t "... the diagnostic names the file, under qscanq-attach" grep -q "^qscanq-attach: fatal: unable to read $W/nonexistent: " "$R/stderr"
printf '.exe\n*.scr\n' > "$W/badpol"
qrun "SCANCMD=qscanq-attach -f $W/badpol ; qscanq-clamav -d $QT/db" -- "$W/clean"
is "$EXIT" 71 "a malformed policy: 71"
t "... naming the file and line" grep -q "^qscanq-attach: fatal: $W/badpol:2: malformed policy" "$R/stderr"

# About 2000 blanks in a row in a part header: libclamav's MIME parser
# loses that part, so no content scanner would see its EICAR.
{
  printf 'From: a@example.org\nSubject: blanks\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
  printf -- '--b\nContent-Type: text/plain\n\nx\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n'
  printf 'Content-Disposition: attachment; filename="%*sA"\n\n' 2000 ''
  eicar | base64; printf -- '--b--\n'
} > "$W/blanks"
qrun QSCANQ_LOG=1 DEBUG=1 "$SC" -- "$W/blanks"
is "$EXIT" 71 "a header with a run of 2000 blanks: deferred (71), not passed"
t "... in process" grep -q "^$INPROC\$" "$R/stderr"
t "... saying why, under qscanq-attach" grep -q "^qscanq-attach: fatal: a MIME header of the message has a run of blanks" "$R/stderr"
t "... logged as its exit 2" grep -q "verdict=fail .*scanner=qscanq-attach scanexit=2" "$R/stderr"
t "... nothing passed on" [ ! -e "$R/msg" ]

# The compatibility form chain-loads a scanner: the program runs.
qrun DEBUG=1 "SCANCMD=qscanq-attach -f $W/badext qscanq-clamav -d $QT/db" -- "$W/banned"
is "$EXIT" 31 "the compatibility form (a scanner after the options): refused (31)"
t "... by the program, not in process" sh -c '! grep -q "in process" "$1" && grep -q "^qscanq-stdin: info: running scanner qscanq-attach$" "$1"' x "$R/stderr"
qrun "SCANCMD=qscanq-attach -f $W/badext qscanq-clamav -d $QT/db" -- "$W/clean"
is "$EXIT" 0 "... and passes a clean message (0)"

# The walk in process keeps qscanq-stdin small: it works under the
# memory limit qmail-smtpd classically runs under, whatever the size.
if command -v softlimit >/dev/null && need_static; then
  SL="softlimit -m 2000000"
  mkdir -p "$W/scan"; chmod 1777 "$W/scan"
  head -c 3M /dev/urandom | base64 > "$W/big.txt"
  mail "$W/big" "$W/big.txt" "big.txt"
  qrun -l "$SL" DEBUG=1 "SCANCMD=qscanq-attach -f $W/badext ; $B/qq-record -s $W/scan 0" -- "$W/big" $(rec) 0
  is "$EXIT" 0 "under softlimit -m 2000000, a 4 MB message walked in process: passed (0)"
  t "... in process" grep -q "^$INPROC\$" "$R/stderr"
  t "... whole" same "$W/big" "$R/msg"
  qrun -l "$SL" "SCANCMD=qscanq-attach -f $W/badext ; $B/qq-record -s $W/scan 0" -- "$W/banned" $(rec) 0
  is "$EXIT" 31 "... and a banned name is refused (31)"
else
  for i in 1 2 3 4; do skip "softlimit not installed, or a sanitizer build"; done
fi

done_testing
