#!/bin/sh
# qscanq-clamav: the embedded libclamav scanner, on its own and in the chain.
. "$(dirname "$0")/lib.sh"

SC=$QT_HOME/bin/qscanq-clamav
DB=$QT/db
eicar > "$W/eicar.com"
(cd "$W" && zip -q eicar.zip eicar.com)
{ printf 'Subject: plain\n\n'; eicar; printf '\n'; } > "$W/plain"
mail "$W/b64" "$W/eicar.com" "notes.txt"
mail "$W/zip" "$W/eicar.zip"
printf 'just text\n' > "$W/a.txt"; (cd "$W" && zip -q text.zip a.txt)
mail "$W/clean" "$W/text.zip"

scan() { # scan FILE: sets CODE and OUT
  OUT=$(cd "$W" && TMPDIR=$W "$SC" -d "$DB" "$1" 2>"$W/scanerr"); CODE=$?
}
scan "$W/plain"
is "$CODE" 1 "EICAR in a plain body: exit 1"
is "$OUT" "$W/plain: Qscanq.Test.EICAR.UNOFFICIAL FOUND" "... reported as PATH: NAME FOUND"
scan "$W/b64"
is "$CODE" 1 "EICAR base64-attached under an innocent name: exit 1"
scan "$W/zip"
is "$CODE" 1 "EICAR zipped inside a mail: exit 1"
scan "$W/clean"
is "$CODE" 0 "a clean mail with a zipped text: exit 0"
is "$OUT" "$W/clean: OK" "... reported as PATH: OK"

OUT=$(TMPDIR=$W "$SC" -d "$DB" < "$W/b64"); CODE=$?
is "$CODE" 1 "on a regular fd 0: exit 1"
OUT=$(cat "$W/zip" | TMPDIR=$W "$SC" -d "$DB"); CODE=$?
is "$CODE" 1 "on a pipe (copied to TMPDIR first, never scanned as empty): exit 1"

mkdir -p "$W/empty"
TMPDIR=$W "$SC" -d "$W/empty" "$W/clean" > /dev/null 2>"$W/err"; CODE=$?
is "$CODE" 2 "empty database directory: exit 2, not clean"
t "... with a reason" grep -q "qscanq-clamav" "$W/err"
TMPDIR=$W "$SC" -d "$W/nonexistent" "$W/clean" > /dev/null 2>&1
is "$?" 2 "missing database directory: exit 2"
TMPDIR=$W "$SC" -d "$DB" "$W/nonexistent" > /dev/null 2>&1
is "$?" 2 "missing input file: exit 2"
TMPDIR=$W "$SC" -x > /dev/null 2>&1
is "$?" 2 "bad option: exit 2"

# Past the engine's limits is a finding, not a pass: the sample that nests
# past MaxRecursion passes as clean without the exceeds-max heuristic.
if [ -f /usr/share/clamav-testfiles/clam_cache_emax.tgz ]; then
  mail "$W/emax" /usr/share/clamav-testfiles/clam_cache_emax.tgz
  scan "$W/emax"
  is "$CODE" 1 "clam_cache_emax.tgz in a mail (nested past MaxRecursion): exit 1"
  diag "$OUT"
else
  skip "clamav-testfiles not installed"
fi

# Nothing left behind in TMPDIR.
t "no temporary files left in TMPDIR" sh -c '[ -z "$(find "$1" -name "clamav-*" -print -quit)" ]' x "$W"

# Through the chain (SCANCMD from conf: qscanq-clamav -d DB).
qrun -- "$W/zip"
is "$EXIT" 31 "chain: zipped EICAR refused with 31"
qrun -- "$W/clean"
is "$EXIT" 0 "chain: clean mail with attachment passes"
t "chain: ... byte for byte" same "$W/clean" "$R/msg"

done_testing
