#!/bin/sh
# Every exit path of qscanq(7) in plain mode, through the whole chain.
. "$(dirname "$0")/lib.sh"

nothing_passed() { [ ! -e "$R/msg" ]; }

mail "$W/clean"
eicar > "$W/eicar.com"
{ printf 'Subject: plain eicar\n\n'; eicar; printf '\n'; } > "$W/eicar-plain"
mail "$W/eicar-att" "$W/eicar.com" "report.pdf"
printf 'MZ fake program\n' > "$W/invoice.exe"
mail "$W/banned" "$W/invoice.exe"
printf '.exe\n.scr\n' > "$W/badext"

qrun -- "$W/eicar-plain"
is "$EXIT" 31 "virus (EICAR in the body): 31"
t "virus: nothing passed on" nothing_passed
is "$WRITEERR" "" "virus: the caller's envelope write succeeded (read to its end)"

qrun -- "$W/eicar-att"
is "$EXIT" 31 "virus (EICAR attached as report.pdf): 31"

qrun "SCANCMD=qscanq-attach -f $W/badext" -- "$W/banned"
is "$EXIT" 31 "banned attachment: 31"
t "banned: nothing passed on" nothing_passed

qrun "SCANCMD=/bin/sh -c 'exit 2'" -- "$W/clean"
is "$EXIT" 71 "scanner exit 2: 71"
t "scanner exit 2: nothing passed on" nothing_passed
t "scanner exit 2: the error is logged" grep -q "scanner failed with exit code 2" "$R/stderr"

qrun "SCANCMD=/bin/sh -c 'exit 4'" -- "$W/clean"
is "$EXIT" 71 "scanner exit 4 (unknown verdict): 71"

qrun "SCANCMD=/bin/sh -c 'kill -9 \$\$'" -- "$W/clean"
is "$EXIT" 71 "scanner killed by a signal: 71"
t "scanner killed: logged" grep -q "scanner killed by signal 9" "$R/stderr"

start=$(date +%s)
qrun "SCANCMD=/bin/sh -c '/bin/sleep 617 & /bin/sleep 617'" -- "$W/clean"
took=$(( $(date +%s) - start ))
is "$EXIT" 71 "scanner past the timeout (10 s in the test build): 71"
t "timeout: logged" grep -q "scanner timed out" "$R/stderr"
t "timeout: qscanq returned within the timeout plus 5 s ($took s)" [ "$took" -lt 15 ]
t "timeout: the scanner's whole process group is gone" sh -c '! pgrep -u "$1" -f "sleep 61[7]" >/dev/null' x "$(uid_of "$QT_QSCAND")"

qrun "SCANCMD=/nonexistent/scanner" -- "$W/clean"
is "$EXIT" 71 "missing scanner: 71"
t "missing scanner: logged" grep -q "unable to exec scanner /nonexistent/scanner" "$R/stderr"

qrun "SCANCMD=qscanq-clamav -d $W/emptydb" -- "$W/clean"
is "$EXIT" 71 "scanner with no database: 71"

qrun "SCANCMD=/bin/sh -c 'exit 2'" QSCANQ_ONERROR=accept -- "$W/clean"
is "$EXIT" 0 "QSCANQ_ONERROR=accept: a failed scan passes"
t "QSCANQ_ONERROR=accept: the message arrived" same "$W/clean" "$R/msg"
t "QSCANQ_ONERROR=accept: and that is logged" grep -q "QSCANQ_ONERROR=accept" "$R/stderr"
qrun QSCANQ_ONERROR=accept -- "$W/eicar-plain"
is "$EXIT" 31 "QSCANQ_ONERROR=accept does not pass a virus"

# Read error: fd 0 is a directory.
as_trusted() {
  if need_root; then setpriv --reuid="$(uid_of "$QT_TRUSTED")" --regid="$(gid_of "$QT_TRUSTED")" --clear-groups "$@"; else "$@"; fi
}
as_trusted sh -c '"$0" </ >/dev/null 2>"$1/err"; echo $? >"$1/code"' "$QSCANQ" "$W"
is "$(cat "$W/code")" 54 "message read error (fd 0 a directory): 54"
t "read error: logged" grep -q "unable to read the message" "$W/err"

as_trusted sh -c '"$0" <&- 2>"$1/err"; echo $? >"$1/code"' "$QSCANQ" "$W"
is "$(cat "$W/code")" 54 "fd 0 (the message) closed: 54"
printf '#!/bin/sh\nexec "$@" 2>&-\n' > "$W/close2"; chmod 755 "$W/close2"
qrun -l "$W/close2" "SCANCMD=/bin/sh -c 'echo scanner-noise >&2; exit 0'" -- "$W/clean" $(rec) 0
is "$EXIT" 0 "fd 2 closed: the message still passes"
t "... and nothing was written into it" same "$W/clean" "$R/msg"

head -c 200000 /dev/urandom > "$W/big"
qrun -l "prlimit --fsize=100000 --" -- "$W/big"
is "$EXIT" 53 "write error (RLIMIT_FSIZE 100000, 200000-byte message): 53"
t "write error: nothing passed on" nothing_passed
t "write error: logged" grep -q "unable to write msg" "$R/stderr"

if need_root || [ "$(ps -u "$(id -u)" -o pid= | wc -l)" -gt 3 ]; then
  qrun -l "prlimit --nproc=1 --" -- "$W/clean"
  is "$EXIT" 71 "fork failure in qscanq (RLIMIT_NPROC 1): 71"
  t "fork failure: nothing passed on" nothing_passed
  t "fork failure: logged" grep -q "unable to start .*qscanq-stdin: Resource temporarily unavailable" "$R/stderr"
else
  skip "fork failure: cannot arrange RLIMIT_NPROC here"
  skip "fork failure: nothing passed on"
  skip "fork failure: logged"
fi
if need_root; then
  # The throwaway caller runs qq-caller and qscanq; the 3rd process is
  # qscanq-stdin and the scanner would be the 4th.
  qrun -l "prlimit --nproc=3 --" -- "$W/clean"
  is "$EXIT" 71 "fork failure in qscanq-stdin (RLIMIT_NPROC 3): 71"
  t "fork failure for the scanner: logged" grep -q "unable to fork for scanner" "$R/stderr"
else
  skip "fork failure in qscanq-stdin: needs a throwaway user (root)"
  skip "fork failure for the scanner: needs root"
fi

qrun -- "$W/clean" /nonexistent/qmail-queue
is "$EXIT" 71 "downstream exec failure: 71"
t "downstream exec failure: logged" grep -q "unable to exec /nonexistent/qmail-queue" "$R/stderr"

mkdir -p "$W/rospool"; chmod 0555 "$W/rospool"; need_root && chown "$QT_QSCAND" "$W/rospool"
qrun SCANDIR="$W/rospool" -- "$W/clean"
is "$EXIT" 71 "unwritable spool: 71"
t "unwritable spool: logged" grep -q "unable to mkdir" "$R/stderr"
qrun SCANDIR="$W/nonexistent" -- "$W/clean"
is "$EXIT" 71 "missing spool: 71"

done_testing
