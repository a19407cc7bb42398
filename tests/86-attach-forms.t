#!/bin/sh
# qscanq-attach: every form in which a mail program shows an attachment
# name, each with a banned name and with a harmless control of the same
# form; alone and through the whole chain.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clamd.sh"

QA=$QT_HOME/bin/qscanq-attach
printf '.exe\n.scr\n.js\n.vbs\n' > "$W/badext"
# The scanner list an administrator writes: the policy, then clamd (a real
# one, on a test socket), else the in-process libclamav scanner.
if have_clamd && clamd_start forms "$QT/db"; then
  CHAIN="qscanq-attach -f $W/badext ; qscanq-clamd -s $forms_sock"
else
  diag "no clamd: the chain's content scanner is qscanq-clamav"
  CHAIN="qscanq-attach -f $W/badext ; qscanq-clamav -d $QT/db"
fi

# msg FILE PART-HEADER...: a multipart message whose second part has the
# given header lines (printf %b escapes) and a small base64 body.
msg() {
  f=$1; shift
  {
    printf 'From: a@example.org\nTo: b@example.net\nSubject: forms\nMIME-Version: 1.0\n'
    printf 'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nSee attached.\n--b1\n'
    for h do printf '%b\n' "$h"; done
    printf '\nTVqQAAMAAAAEAAAA\n--b1--\n'
  } > "$f"
}

# form DESCRIPTION WANT FILE: alone (3 or 0) and through the chain (31 or 0).
form() {
  d=$1 want=$2 f=$3
  code=$(cd "$W" && TMPDIR=$W "$QA" -f "$W/badext" < "$f" > "$W/out" 2>"$W/err"; echo $?)
  if [ "$want" = banned ]; then
    is "$code" 3 "$d: refused"
    qrun "SCANCMD=$CHAIN" -- "$f"
    is "$EXIT" 31 "$d: refused through the chain (31)"
  else
    is "$code" 0 "$d: passes"
    qrun "SCANCMD=$CHAIN" -- "$f"
    t "$d: passes the chain byte for byte" same "$f" "$R/msg"
  fi
}

# RFC 2047 encoded words split across a fold, also between the dot and the
# extension: the blanks between encoded words go, as does the fold.
msg "$W/f1" 'Content-Type: application/octet-stream' 'Content-Disposition: attachment;\n filename="=?UTF-8?Q?setup.?=\n =?UTF-8?Q?exe?="'
form "RFC 2047 Q words split at the dot by a fold" banned "$W/f1"
msg "$W/f1c" 'Content-Type: application/octet-stream' 'Content-Disposition: attachment;\n filename="=?UTF-8?Q?setup.?=\n =?UTF-8?Q?txt?="'
form "control: the same split, .txt" clean "$W/f1c"
msg "$W/f2" 'Content-Type: application/octet-stream;\n name="=?UTF-8?B?c2V0dXAu?=\n\t=?UTF-8?B?c2Ny?="'
form "RFC 2047 B words split by a tab fold (setup.scr)" banned "$W/f2"
msg "$W/f2c" 'Content-Type: application/octet-stream;\n name="=?UTF-8?B?c2V0dXAu?=\n\t=?UTF-8?B?cGRm?="'
form "control: the same, setup.pdf" clean "$W/f2c"
msg "$W/f3" 'Content-Type: application/octet-stream' 'Content-Disposition: attachment; filename="setup.\n exe"'
form "a quoted name folded between the dot and the extension" banned "$W/f3"
msg "$W/f3c" 'Content-Type: application/octet-stream' 'Content-Disposition: attachment; filename="setup.\n txt"'
form "control: the same fold, .txt" clean "$W/f3c"

# Quoted-pairs: "inv\oice.ex\e" is invoice.exe.
msg "$W/q1" 'Content-Type: application/octet-stream' 'Content-Disposition: attachment; filename="inv\\oice.ex\\e"'
form "quoted-pairs in a quoted name (inv\\oice.ex\\e)" banned "$W/q1"
msg "$W/q1c" 'Content-Type: application/octet-stream' 'Content-Disposition: attachment; filename="inv\\oice.tx\\t"'
form "control: quoted-pairs, .txt" clean "$W/q1c"

# RFC 2231 sections: joined by index, only sections of one parameter.
msg "$W/r1" 'Content-Type: application/octet-stream' 'Content-Disposition: attachment;\n filename*1="exe";\n filename*0="setup."'
form "RFC 2231 sections out of order (setup. + exe)" banned "$W/r1"
msg "$W/r1c" 'Content-Type: application/octet-stream' 'Content-Disposition: attachment;\n filename*1=".txt";\n filename*0="setup.exe"'
form "control: sections out of order make setup.exe.txt" clean "$W/r1c"
msg "$W/r2" 'Content-Type: application/octet-stream' "Content-Disposition: attachment;\n filename*0*=UTF-8''%E2%82%AC-;\n filename*1*=%2E%65xe"
form "RFC 2231 encoded sections (%2E%65xe)" banned "$W/r2"
msg "$W/r2c" 'Content-Type: application/octet-stream; name*0="x.ex"' 'Content-Disposition: attachment; filename*0="e"'
form "control: sections of two parameters are not joined (x.ex, e)" clean "$W/r2c"

# A part whose only header is a bare Content-Type line, and tiny parts.
msg "$W/b1" 'Content-Type: application/x-msdownload; name=setup.exe'
form "a part with a bare Content-Type line" banned "$W/b1"
msg "$W/b1c" 'Content-Type: application/pdf; name=setup.pdf'
form "control: a bare Content-Type line, .pdf" clean "$W/b1c"
printf 'From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Disposition: attachment; filename=a.js\n--b\nContent-Type: text/plain; name=x.vbs\n\n\n--b--\n' > "$W/t1"
form "empty parts (header only, no body line)" banned "$W/t1"
printf 'From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Disposition: attachment; filename=a.json\n--b\nContent-Type: text/plain; name=x.vbs.txt\n\n\n--b--\n' > "$W/t1c"
form "control: empty parts, harmless names" clean "$W/t1c"

# Very long names keep their end.
long=$(head -c 3000 /dev/zero | tr '\0' a)
msg "$W/l1" 'Content-Type: application/octet-stream' "Content-Disposition: attachment; filename=\"=?UTF-8?B?$(printf '%s.exe' "$long" | base64 -w0)?=\""
form "a 3000-byte RFC 2047 name ending in .exe" banned "$W/l1"
msg "$W/l1c" 'Content-Type: application/octet-stream' "Content-Disposition: attachment; filename=\"=?UTF-8?B?$(printf '%s.txt' "$long" | base64 -w0)?=\""
form "control: the same, .txt" clean "$W/l1c"
msg "$W/l2" 'Content-Type: application/octet-stream' "Content-Disposition: attachment;\n filename*0=\"$long\";\n filename*1=\"$long\";\n filename*2=\".scr\""
form "a 6000-byte name in RFC 2231 sections" banned "$W/l2"

# Only real MIME headers count: a mail about mail quotes headers in text.
{
  printf 'From: a@example.org\nMIME-Version: 1.0\nContent-Type: text/plain\n\nYour message had this part:\n\n'
  printf 'Content-Type: application/octet-stream\nContent-Disposition: attachment; filename="setup.exe"\n\nwhich we removed.\n'
} > "$W/h1c"
form "control: a text body quoting an attachment header" clean "$W/h1c"
{
  printf 'From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n'
  printf -- '--c\nContent-Disposition: attachment; filename="setup.exe"\n\n--b\nContent-Type: text/plain; name=ok.txt\n\nfine\n--b--\n'
} > "$W/h2c"
form "control: a quoted part of an unknown boundary in a text part" clean "$W/h2c"
{
  printf 'From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\n'
  printf 'From: c@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=c\n\n--c\nContent-Type: text/plain\n\nx\n'
  printf -- '--c\nContent-Disposition: attachment; filename="setup.exe"\n\nTVo=\n--c--\n\n--b--\n'
} > "$W/h3"
form "a nested message/rfc822 with its own parts" banned "$W/h3"
{
  printf 'From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/digest; boundary=b\n\n--b\n\n'
  printf 'From: c@example.org\nContent-Type: application/octet-stream; name="x.js"\n\nTVo=\n--b--\n'
} > "$W/h4"
form "a multipart/digest part (message/rfc822 by default)" banned "$W/h4"

# uuencoded attachments in a plain body, no MIME at all (a begin line and
# data lines: mail programs show it as an attachment).
printf 'From: a@example.org\nSubject: uu\n\nThe file:\n\nbegin 644 setup.exe\n%s\n`\nend\n' '(35H@9F%K90H ' > "$W/u1"
form "a uuencoded setup.exe in a plain body" banned "$W/u1"
sed 's/setup\.exe/notes.txt/' "$W/u1" > "$W/u1c"
form "control: a uuencoded notes.txt" clean "$W/u1c"
{
  printf 'From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n'
  sed -n '/^begin/,/^end/p' "$W/u1" | sed 's/setup\.exe/run.js/'; printf -- '--b--\n'
} > "$W/u2"
form "a uuencoded run.js in a text/plain part" banned "$W/u2"
printf 'From: a@example.org\nSubject: uu\n\nTo send a file, type:\nbegin 644 setup.exe\n\nand so on.\n' > "$W/u3c"
form "control: a begin line with no data line is text" clean "$W/u3c"

# Names inside encrypted archives: stored in the clear, though libclamav
# cannot extract the members (its archive metadata callback lists them).
# archive FILE NAME TYPE ARCHIVE-FILE: a message with the archive attached.
archive() {
  {
    printf 'From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n'
    printf -- '--b\nContent-Type: %s; name="%s"\nContent-Transfer-Encoding: base64\n\n' "$3" "$2"
    base64 "$4"; printf -- '--b--\n'
  } > "$1"
}
mkdir -p "$W/arc"; printf 'MZ fake program\n' > "$W/arc/set-up.exe"; printf 'notes\n' > "$W/arc/notes.txt"
(cd "$W/arc" && zip -q -P secret enc.zip set-up.exe && zip -q -P secret encc.zip notes.txt)
archive "$W/z1" docs.zip application/zip "$W/arc/enc.zip"
form "an encrypted zip holding set-up.exe (the name as stored, - kept)" banned "$W/z1"
archive "$W/z1c" docs.zip application/zip "$W/arc/encc.zip"
form "control: an encrypted zip holding notes.txt" clean "$W/z1c"
if command -v 7zz > /dev/null; then
  (cd "$W/arc" && 7zz a -bd -psecret -mhe=off enc.7z set-up.exe > /dev/null && 7zz a -bd -psecret -mhe=off encc.7z notes.txt > /dev/null)
  archive "$W/s1" docs.7z application/x-7z-compressed "$W/arc/enc.7z"
  form "an encrypted 7z holding set-up.exe" banned "$W/s1"
  archive "$W/s1c" docs.7z application/x-7z-compressed "$W/arc/encc.7z"
  form "control: an encrypted 7z holding notes.txt" clean "$W/s1c"
else
  for i in 1 2 3 4; do skip "7zz (Debian package 7zip) not installed"; done
fi

# TNEF (winmail.dat): Outlook shows the attachments inside it; libclamav
# reports none of their names.
tnef() { # tnef FILE MKTNEF-ARGS...
  f=$1; shift
  "$TOP/tests/helpers/mktnef" "$@" > "$W/winmail.dat"
  archive "$f" winmail.dat application/ms-tnef "$W/winmail.dat"
}
tnef "$W/w1" setup.exe
form "TNEF: PR_ATTACH_LONG_FILENAME setup.exe" banned "$W/w1"
tnef "$W/w1c" notes.txt
form "control: TNEF holding notes.txt" clean "$W/w1c"
tnef "$W/w2" -u -t NOTES~1.TXT "$(printf 'Gr\303\274\303\237e.scr')"
form "TNEF: a UTF-16 long name (.scr) behind an innocent 8.3 title" banned "$W/w2"
tnef "$W/w3" -t SETUP~1.EXE readme.txt
form "TNEF: attAttachTitle SETUP~1.EXE" banned "$W/w3"
tnef "$W/w4" -e -t X.TXT report.pdf run.js
form "TNEF: run.js in an embedded message" banned "$W/w4"
tnef "$W/w4c" -e -t X.TXT report.pdf notes.txt
form "control: TNEF embedded message with harmless names" clean "$W/w4c"

# gzip keeps the original file name in its header (FNAME): gunzip -N and
# Windows archive programs extract docs.gz as that name.
printf 'MZ fake program\n' > "$W/arc/setup.exe"
(cd "$W/arc" && gzip -c setup.exe > setup.gz && gzip -c notes.txt > notes.gz)
archive "$W/g1" docs.gz application/gzip "$W/arc/setup.gz"
form "gzip: docs.gz whose header names setup.exe" banned "$W/g1"
archive "$W/g1c" docs.gz application/gzip "$W/arc/notes.gz"
form "control: docs.gz whose header names notes.txt" clean "$W/g1c"

done_testing
