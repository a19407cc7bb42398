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

# libclamav's errors during a scan. It reports them and carries on, and
# may then call the scan clean although it never looked at part of the
# message; qscanq-clamav counts any error as a failure (2): deferred,
# never passed. A TMPDIR it cannot write in (a full spool is the same):
# libclamav cannot make its per-scan directory and says CL_CLEAN (the
# old qscanq-clamav: exit 0 for EICAR attached).
mkdir -m 0555 "$W/ro"
# As root, run as qscand (root writes anywhere), who must get through $W.
asq() { if need_root; then setpriv --reuid="$(uid_of "$QT_QSCAND")" --regid="$(gid_of "$QT_QSCAND")" --clear-groups "$@"; else "$@"; fi; }
need_root && chmod 0711 "$W"
OUT=$(asq env TMPDIR="$W/ro" "$SC" -d "$DB" < "$W/b64" 2>"$W/err"); CODE=$?
is "$CODE" 2 "TMPDIR not writable, EICAR attached: exit 2 (not 0: nothing was scanned)"
is "$OUT" "stdin: Qscanq.Unscannable.LibclamavError ERROR" "... reported as NAME: REASON ERROR"
t "... the diagnostic names libclamav's error" grep -q "qscanq-clamav: fatal: not scanned: libclamav failed during the scan (Can't create temporary directory for scan: $W/ro/" "$W/err"
OUT=$(asq env TMPDIR="$W/ro" "$SC" -d "$DB" < "$W/clean" 2>/dev/null); CODE=$?
is "$CODE" 2 "... and a clean mail there: exit 2 too (unscanned is not clean)"
# A truncated xz attachment: xz -dc still gives what it decoded (EICAR
# first), libclamav drops all of it at the premature end (an error, and
# the old qscanq-clamav said clean). A sender can do that on purpose.
if command -v xz >/dev/null 2>&1; then
  { eicar; printf '\n'; seq 1 20000; } | xz -c > "$W/full.xz"
  head -c $(($(wc -c < "$W/full.xz") / 2)) "$W/full.xz" > "$W/cut.xz"
  mail "$W/cutxz" "$W/cut.xz" "notes.xz"
  t "xz -dc gets EICAR out of the truncated xz" sh -c 'xz -dc "$1" 2>/dev/null | grep -q EICAR-STANDARD' x "$W/cut.xz"
  scan "$W/cutxz"
  is "$CODE" 2 "EICAR in a truncated xz attachment: exit 2, not 0"
  t "... naming libclamav's error" grep -q "libclamav failed during the scan (cli_scanxz: premature end of compressed stream)" "$W/scanerr"
else
  skip "xz not installed"
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
