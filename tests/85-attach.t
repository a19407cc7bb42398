#!/bin/sh
# qscanq-attach: attachment names found by libclamav's parsers, matched
# against suffixes and wildcard patterns; chain-loading the next scanner.
. "$(dirname "$0")/lib.sh"

QA=$QT_HOME/bin/qscanq-attach
printf '# executables\n.exe\n.SCR\n  .vbs  \nautorun.inf\n' > "$W/badext"
printf '*.zip\n!report-*.zip\n*.js\n' > "$W/patterns"
printf 'MZ not really\n' > "$W/prog.bin"
printf 'hello\n' > "$W/hello.txt"

run() { # run MAILFILE ARGS...: CODE OUT ERR
  m=$1; shift
  OUT=$(cd "$W" && TMPDIR=$W DEBUG=${DBG:-} "$QA" "$@" < "$m" 2>"$W/err"); CODE=$?
  ERR=$(cat "$W/err")
}

cp "$W/prog.bin" "$W/invoice.exe"; mail "$W/m1" "$W/invoice.exe"
run "$W/m1" -f "$W/badext"
is "$CODE" 3 "invoice.exe attached: exit 3"
is "$OUT" "msg: invoice.exe banned attachment FOUND" "... reported as PATH: NAME banned attachment FOUND"
mail "$W/m2" "$W/prog.bin" "INVOICE.EXE"
run "$W/m2" -f "$W/badext"
is "$CODE" 3 "INVOICE.EXE: case-insensitive suffix"
mail "$W/m3" "$W/prog.bin" "screen.Scr"
run "$W/m3" -f "$W/badext"
is "$CODE" 3 "screen.Scr against .SCR: case-insensitive both ways"
mail "$W/m4" "$W/hello.txt" "autorun.inf"
run "$W/m4" -f "$W/badext"
is "$CODE" 3 "a whole name (autorun.inf)"
mail "$W/m5" "$W/hello.txt" "exe.txt"
run "$W/m5" -f "$W/badext"
is "$CODE" 0 "exe.txt is not .exe: exit 0"

# Inside archives and nested messages.
mkdir -p "$W/z/dir"; cp "$W/prog.bin" "$W/z/dir/setup.exe"; cp "$W/hello.txt" "$W/z/readme.txt"
(cd "$W/z" && zip -q -r ../inner.zip dir readme.txt)
mail "$W/m6" "$W/inner.zip" "documents.dat"
DBG=1 run "$W/m6" -f "$W/badext"
is "$CODE" 3 "setup.exe inside a zip (attached as documents.dat): exit 3"
t "... the report names it" sh -c 'echo "$1" | grep -q "setup.exe banned attachment FOUND"' x "$OUT"
t "... DEBUG lists the names found (the archive member)" sh -c 'echo "$1" | grep -q "archive member: dir/setup.exe"' x "$ERR"
DBG=1 run "$W/m5" -f "$W/badext"
t "a message whose parts hold nothing to open skips the archive pass (no libclamav)" grep -q "no archive pass" "$W/err"
{
  printf 'From: a@example.org\nSubject: pdf\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nx\n'
  printf -- '--b\nContent-Type: application/pdf; name="report.pdf"\nContent-Transfer-Encoding: base64\n\n'
  base64 "$W/inner.zip"; printf -- '--b--\n'
} > "$W/m6b"
DBG=1 run "$W/m6b" -f "$W/badext"
is "$CODE" 3 "a zip disguised as report.pdf (application/pdf) is recognised by its bytes: setup.exe inside refused"
t "... the archive pass ran" grep -q "running .*qscanq-attach-archives" "$W/err"
(cd "$W" && zip -q outer.zip inner.zip)
mail "$W/m7" "$W/outer.zip" "x.bin"
run "$W/m7" -f "$W/badext"
is "$CODE" 3 "a zip inside a zip: exit 3"
{
  printf 'From: a@example.org\nSubject: fwd\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="outer"\n\n'
  printf -- '--outer\nContent-Type: text/plain\n\nForwarded.\n--outer\nContent-Type: message/rfc822\n\n'
  sed -n '1,$p' "$W/m1"
  printf -- '\n--outer--\n'
} > "$W/m8"
run "$W/m8" -f "$W/badext"
is "$CODE" 3 "an attachment of a forwarded (nested) message: exit 3"
{
  printf 'From: a@example.org\nSubject: enc\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nx\n'
  printf -- '--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n'
  printf 'Content-Disposition: attachment; filename="=?UTF-8?B?%s?="\n\n' "$(printf 'Rechnung.exe' | base64)"
  base64 "$W/prog.bin"; printf -- '--b--\n'
} > "$W/m9"
run "$W/m9" -f "$W/badext"
is "$CODE" 3 "an RFC 2047-encoded file name (Rechnung.exe): exit 3"

# Names as sent, not as libclamav rewrites them.
mail "$W/n1" "$W/prog.bin" "Grüße (1).exe"
DBG=1 run "$W/n1" -f "$W/badext"
is "$OUT" 'msg: Grüße\x20(1).exe banned attachment FOUND' "a UTF-8 name with blanks and parentheses, reported as one safe word"
# The right-to-left override shows invoice<RLO>gpj.exe as "invoiceexe.jpg";
# the name really ends in .exe, which is what the suffix rule judges.
mail "$W/rlo" "$W/prog.bin" "$(printf 'invoice\342\200\256gpj.exe')"
run "$W/rlo" -f "$W/badext"
is "$CODE/$OUT" '3/msg: invoice\u202egpj.exe banned attachment FOUND' "an RLO-disguised .exe is refused, the override shown escaped"
mail "$W/rlo2" "$W/hello.txt" "$(printf 'photo\342\200\256exe.jpg')"
run "$W/rlo2" -f "$W/badext"
is "$CODE" 0 "control: a real .jpg whose name shows as ...gpj.exe passes"
mail "$W/ctl" "$W/prog.bin" "$(printf 'a\tb\033[1m.exe')"
run "$W/ctl" -f "$W/badext"
is "$OUT" 'msg: a\x09b\x1b[1m.exe banned attachment FOUND' "controls in a name are escaped in the report"
mail "$W/longn" "$W/prog.bin" "$(head -c 2000 /dev/zero | tr '\0' x).exe"
run "$W/longn" -f "$W/badext"
t "a 2000-byte name is refused and reported by its end, on one short line" sh -c 'case "$1" in "msg: ...xxx"*"x.exe banned attachment FOUND") [ ${#1} -lt 700 ] ;; *) false ;; esac' x "$OUT"
mail "$W/n2" "$W/hello.txt" "x.vbs"
run "$W/n2" -f "$W/badext"
is "$CODE" 3 "a tiny text attachment (x.vbs), which libclamav does not report, is still found"
{
  printf 'From: a@example.org\nSubject: 2231\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nx\n'
  printf -- "--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment;\n filename*=UTF-8''%%E2%%82%%AC-invoice.pdf.exe\n\n"
  printf 'TVo=\n--b--\n'
} > "$W/n3"
run "$W/n3" -f "$W/badext"
is "$CODE" 3 "an RFC 2231-encoded name: exit 3"

# Windows drops trailing dots and blanks before it runs a file.
for n in "setup.exe." "setup.exe. . ." "setup.exe  " "photo.jpg.exe..."; do
  mail "$W/wd" "$W/prog.bin" "$n"
  run "$W/wd" -f "$W/badext"
  is "$CODE" 3 "'$n' is judged as Windows runs it: exit 3"
done
mail "$W/wd" "$W/prog.bin" "setup.exe.txt."
run "$W/wd" -f "$W/badext"
is "$CODE" 0 "control: 'setup.exe.txt.' is a .txt: exit 0"

# Wildcards, the last match deciding.
mail "$W/p1" "$W/inner.zip" "pics.zip"
run "$W/p1" -p "$W/patterns"
is "$CODE" 3 "pattern *.zip bans pics.zip"
mail "$W/p2" "$W/inner.zip" "report-2026.zip"
run "$W/p2" -p "$W/patterns"
is "$CODE" 0 "!report-*.zip allows report-2026.zip"
mail "$W/p3" "$W/hello.txt" "Run.JS"
run "$W/p3" -p "$W/patterns"
is "$CODE" 3 "*.js bans Run.JS (case-insensitive)"

# Nothing banned: the next scanner runs on the same message.
eicar > "$W/eicar.com"
mail "$W/v" "$W/eicar.com" "notes.txt"
run "$W/v" -f "$W/badext" "$QT_HOME/bin/qscanq-clamav" -d "$QT/db"
is "$CODE/$OUT" "1/stdin: Qscanq.Test.EICAR.UNOFFICIAL FOUND" "nothing banned: the next scanner finds the virus"
run "$W/m5" -f "$W/badext" "$QT_HOME/bin/qscanq-clamav" -d "$QT/db"
is "$CODE" 0 "nothing banned, next scanner says clean: 0"
run "$W/m5" -f "$W/badext"
is "$CODE" 0 "no next scanner: 0"
run "$W/m1" -f "$W/nonexistent"
is "$CODE" 2 "unreadable list: exit 2"
t "... the message names the file" grep -q "nonexistent" "$W/err"
# A malformed policy is a failure naming the file and line, never a
# smaller policy.
bad() { # bad OPTION CONTENT DESCRIPTION
  printf "$2" > "$W/badpol"
  run "$W/m5" "$1" "$W/badpol"
  is "$CODE" 2 "malformed policy ($3): exit 2"
  t "... the diagnostic names the file and line 2" grep -q "badpol:2: malformed policy" "$W/err"
}
bad -f '.exe\n.s\000cr\n' "a NUL byte"
bad -p '*.exe\n[a-z.js\n' "an unterminated bracket expression"
bad -f "# long\n$(head -c 1100 /dev/zero | tr '\0' x)\n" "a line too long"
bad -f '.exe\n*.scr\n' "a wildcard in a suffix list"
bad -p '*.exe\n!\n' "an exception without a pattern"
printf '.exe\n' > "$W/unreadable"; chmod 000 "$W/unreadable"
if need_root; then
  qrun "SCANCMD=qscanq-attach -f $W/badpol qscanq-clamav -d $QT/db" -- "$W/m5"
  is "$EXIT" 71 "chain: a malformed policy defers the message (71)"
  t "chain: nothing passed on" [ ! -e "$R/msg" ]
  qrun "SCANCMD=qscanq-attach -f $W/unreadable qscanq-clamav -d $QT/db" -- "$W/m5"
  is "$EXIT" 71 "chain: a policy qscand cannot read defers the message (71)"
else
  skip "chain tests need root"; skip "chain tests need root"; skip "chain tests need root"
fi
printf '# all good\n\n  .exe \r\n[[:alpha:]]x.c[!o]m\n' > "$W/goodpol"
run "$W/m1" -p "$W/goodpol"
is "$CODE" 0 "a well-formed patterns file with a class, CRLF and blanks is accepted"
run "$W/m1" -f "$W/badext" /nonexistent/scanner
is "$CODE" 3 "a banned name ends the scan; the next scanner is not run"

# Through qscanq.
qrun "SCANCMD=qscanq-attach -f $W/badext qscanq-clamav -d $QT/db" -- "$W/m6"
is "$EXIT" 31 "chain: zipped setup.exe refused (31)"
t "chain: nothing passed on" [ ! -e "$R/msg" ]
qrun "SCANCMD=qscanq-attach -f $W/badext qscanq-clamav -d $QT/db" -- "$W/v"
is "$EXIT" 31 "chain: virus behind the policy refused (31)"
qrun "SCANCMD=qscanq-attach -f $W/badext qscanq-clamav -d $QT/db" -- "$W/m5"
is "$EXIT" 0 "chain: clean passes"
t "chain: byte for byte" same "$W/m5" "$R/msg"

# A quoted file name of blanks and one byte: the old header parser wrote
# that byte past its 1 KiB name buffer (a remote stack write).
for nb in 1030 2000; do
  {
    printf 'From: a@example.org\nSubject: blanks\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
    printf -- '--b\nContent-Type: text/plain\n\nx\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n'
    printf 'Content-Disposition: attachment; filename="%*sA"\n\n' "$nb" ''
    eicar | base64; printf -- '--b--\n'
  } > "$W/ov$nb"
done
run "$W/ov1030" -f "$W/badext"
t "1030 blanks then a byte in a file name: qscanq-attach alone exits 0 or 3, no crash" [ "$CODE" = 0 -o "$CODE" = 3 ]
qrun "SCANCMD=qscanq-attach -f $W/badext qscanq-clamav -d $QT/db" -- "$W/ov1030"
is "$EXIT" 31 "... through the chain, its EICAR attachment is refused (31)"
# At about 2000 blanks in a row libclamav's MIME parser loses the part:
# no libclamav scanner would see the EICAR. qscanq-attach refuses to judge
# such a message (a failure, never a pass).
run "$W/ov2000" -f "$W/badext"
is "$CODE" 2 "2000 blanks in a part header: qscanq-attach fails, no crash"
t "... saying why" grep -q "run of blanks that hides its part from libclamav" "$W/err"
qrun "SCANCMD=qscanq-attach -f $W/badext qscanq-clamav -d $QT/db" -- "$W/ov2000"
is "$EXIT" 71 "... through the chain the message is deferred (71), not passed"
t "... nothing passed on" [ ! -e "$R/msg" ]
qrun "SCANCMD=qscanq-attach -f $W/badext qscanq-clamav -d $QT/db" QSCANQ_LOG=1 -- "$W/rlo"
is "$EXIT" 31 "chain: the RLO-disguised .exe is refused (31)"
t "chain: the log line names it, escaped" grep -q ' verdict=banned sig=banned:invoice\\u202egpj.exe ' "$R/stderr"

done_testing
