#!/bin/sh
# Reply modes (qscanq(7)), with the caller played the way each MTA does it:
# the extra pipe on the MTA's descriptor, read to its end after the exit.
. "$(dirname "$0")/lib.sh"

{ printf 'Subject: x\n\n'; eicar; printf '\n'; } > "$W/virus"
printf 'MZ\n' > "$W/p.bin"; mail "$W/banned" "$W/p.bin" "invoice.exe"
mail "$W/clean"
printf '.exe\n' > "$W/badext"
SC="SCANCMD=qscanq-attach -f $W/badext qscanq-clamav -d $QT/db"
FAIL="SCANCMD=/bin/sh -c 'exit 2'"
VSIG="Qscanq.Test.EICAR.UNOFFICIAL"
reply() { tr '\0' '\n' < "$R/$1" | head -n 1; }

for m in notqmail:6 simscan:4; do
  mode=${m%:*} fd=${m#*:}
  qrun -r "$fd" "$SC" QSCANQ_REPLY=$mode -- "$W/virus"
  is "$EXIT" 82 "$mode: virus: 82"
  is "$(reply reply)" "Dvirus found: $VSIG (#5.7.1)" "$mode: virus: D text on fd $fd naming the signature"
  t "$mode: the text is NUL-terminated" sh -c '[ "$(tail -c 1 "$1" | od -An -tx1 | tr -d " ")" = 00 ]' x "$R/reply"
  qrun -r "$fd" "$SC" QSCANQ_REPLY=$mode -- "$W/banned"
  is "$EXIT" 82 "$mode: banned: 82"
  is "$(reply reply)" "Dbanned attachment: invoice.exe (#5.7.1)" "$mode: banned: D text naming the attachment"
  qrun -r "$fd" "$FAIL" QSCANQ_REPLY=$mode -- "$W/clean"
  is "$EXIT" 82 "$mode: scanner failure: 82"
  is "$(reply reply)" "Ztemporary failure in the virus scanner (#4.3.0)" "$mode: scanner failure: Z text"
  qrun -r "$fd" QSCANQ_REPLY=$mode SCANDIR=/nonexistent -- "$W/clean"
  is "$EXIT/$(reply reply)" "82/Ztemporary failure in the virus scanner (#4.3.0)" "$mode: qscanq's own failure (no spool): 82 and Z"
  qrun -r "$fd" "$SC" QSCANQ_REPLY=$mode -- "$W/clean"
  is "$EXIT/$(cat "$R/reply")" "0/" "$mode: clean: downstream's 0, nothing on fd $fd"
  qrun "$SC" QSCANQ_REPLY=$mode -- "$W/virus"
  is "$EXIT" 31 "$mode: fd $fd not open: plain code 31"
  qrun "$FAIL" QSCANQ_REPLY=$mode -- "$W/clean"
  is "$EXIT" 71 "$mode: fd $fd not open, failure: plain code 71"
done

# indimail: the text on $ERROR_FD (default 2), exit 88; else 33/34/71.
qrun "$SC" QSCANQ_REPLY=indimail -- "$W/virus"
is "$EXIT" 88 "indimail: virus, ERROR_FD unset (fd 2): 88"
t "indimail: D line on fd 2" grep -qx "Dvirus found: $VSIG (#5.7.1)" "$R/stderr"
qrun -r 5 "$SC" QSCANQ_REPLY=indimail ERROR_FD=5 -- "$W/banned"
is "$EXIT/$(reply reply)" "88/Dbanned attachment: invoice.exe (#5.7.1)" "indimail: banned, ERROR_FD=5: 88 and D line on fd 5"
qrun -r 5 "$FAIL" QSCANQ_REPLY=indimail ERROR_FD=5 -- "$W/clean"
is "$EXIT/$(reply reply)" "88/Ztemporary failure in the virus scanner (#4.3.0)" "indimail: failure: 88 and Z line"
qrun "$SC" QSCANQ_REPLY=indimail ERROR_FD=5 -- "$W/virus"
is "$EXIT" 33 "indimail: virus, ERROR_FD not open: 33"
qrun "$SC" QSCANQ_REPLY=indimail ERROR_FD=5 -- "$W/banned"
is "$EXIT" 34 "indimail: banned, ERROR_FD not open: 34"
qrun "$FAIL" QSCANQ_REPLY=indimail ERROR_FD=5 -- "$W/clean"
is "$EXIT" 71 "indimail: failure, ERROR_FD not open: 71"
# Whatever number qscanq's own descriptors take (the log pipe to
# qscanq-stdin among them), a reply descriptor the caller did not open
# stays "not open": qscanq-stdin closes the log pipe before any reply,
# so no reply goes into it and the plain code comes back.
for n in 3 4 5 6 7 8 9; do
  qrun "$SC" QSCANQ_REPLY=indimail ERROR_FD=$n -- "$W/virus"
  is "$EXIT" 33 "indimail: virus, ERROR_FD=$n not open: 33"
done

# A reply fd that is open but read-only is not a reply channel.
qrun "$SC" QSCANQ_REPLY=notqmail -- "$W/virus" 6<"$W/clean"
is "$EXIT" 31 "notqmail: fd 6 open read-only: plain 31" 

# Unknown mode: plain.
qrun -r 6 "$SC" QSCANQ_REPLY=bogus -- "$W/virus"
is "$EXIT/$(cat "$R/reply")" "31/" "unknown QSCANQ_REPLY: plain"

# Logging: one key=value line per message.
qrun "$SC" QSCANQ_LOG=1 TCPREMOTEIP=192.0.2.7 -- "$W/virus"
line=$(grep '^qscanq: @' "$R/stderr")
size=$(wc -c < "$W/virus" | tr -d ' ')
case "$line" in
  "qscanq: @"*": verdict=virus sig=$VSIG ip=192.0.2.7 from=<sender@example.org> rcpts=1 bytes=$size scan_ms="*" scanner=qscanq-attach scanexit=1 exit=31") r=0 ;;
  *) r=1; diag "$line" ;;
esac
ok $r "QSCANQ_LOG: virus line has directory, verdict, signature, ip, from, rcpts, bytes, scan time, scanner, its exit and ours"
qrun "$SC" QSCANQ_LOG=1 -- "$W/banned"
t "QSCANQ_LOG: banned, sig=banned:NAME, msgid" grep -q ": verdict=banned sig=banned:invoice.exe from=<sender@example.org> rcpts=1 msgid=<[^ ]*@qscanq.test> bytes=.* scanner=qscanq-attach scanexit=3 exit=31$" "$R/stderr"
qrun "$SC" QSCANQ_LOG=1 QQ_EXIT=0 -- "$W/clean"
t "QSCANQ_LOG: clean, with the downstream's exit" grep -q ": verdict=clean from=.* scanexit=0 exit=0$" "$R/stderr"
is "$(grep -c . "$R/stderr")" 1 "QSCANQ_LOG: exactly one line for a clean message"
qrun "$FAIL" QSCANQ_LOG=1 -- "$W/clean"
t "QSCANQ_LOG: failure" grep -q ": verdict=fail from=.* scanner=sh scanexit=2 exit=71$" "$R/stderr"
qrun "SCANCMD=/bin/sleep 30" QSCANQ_LOG=1 -- "$W/clean"
t "QSCANQ_LOG: timeout" grep -q ": verdict=fail from=.* scanner=sleep scanexit=timeout exit=71$" "$R/stderr"
qrun "$SC" -- "$W/virus"
is "$(cat "$R/stderr")" "" "without QSCANQ_LOG a refused virus prints nothing"

# Values from outside are made safe: a signature with an escape sequence
# and a right-to-left override, an address with a blank and a newline.
printf '#!/bin/sh\nprintf "msg: Evil\\033[31m\\342\\200\\256exe.txt FOUND\\n"\nexit 1\n' > "$W/evil"
chmod 755 "$W/evil"
printf 'Fa b\nc@example.org\0Trcpt@example.net\0\0' > "$W/env"
qrun -r 6 "SCANCMD=$W/evil" QSCANQ_LOG=1 QSCANQ_REPLY=notqmail "TCPREMOTEIP=1.2.3.4 x" -- "$W/clean"
envelope "$W/env"
t "QSCANQ_LOG: control bytes and bidi override in the signature shown escaped" grep -qF ' sig=Evil\x1b[31m\u202eexe.txt ' "$R/stderr"
t "QSCANQ_LOG: blank and newline in the sender and the ip shown escaped" grep -qF ' ip=1.2.3.4\x20x from=<a\x20b\x0ac@example.org> ' "$R/stderr"
is "$(grep -c . "$R/stderr")" 1 "... still one line"
is "$(reply reply)" 'Dvirus found: Evil\x1b[31m\u202eexe.txt (#5.7.1)' "notqmail: the reply text is made safe the same way"

done_testing
