#!/bin/sh
# qmail-dkim and qscanq in both orders, through the shipped wrappers, with
# a stand-in qmail-dkim that hands on as indimail's does: its argument,
# else $DKIMQUEUE, else $QUEUEPROG, else qmail-queue (never $QMAILQUEUE).
. "$(dirname "$0")/lib.sh"
KIT=$QT_HOME/share/qscanq
A=$KIT/qmail-dkim-qscanq
Bw=$KIT/qscanq-qmail-dkim

mkdir -p "$W/sbin"
DKIM=$W/sbin/qmail-dkim
cat > "$DKIM" <<EOT
#!/bin/sh
echo run >> "\$QQ_RECORD/dkim-runs"
t=\$(mktemp "\$QQ_RECORD/dkim.XXXXXX") || exit 71
{ printf 'DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=standin; b=x\n'; cat; } > "\$t" || exit 71
exec < "\$t"
rm -f "\$t"
if [ \$# -gt 0 ]; then exec "\$@"; fi
if [ -n "\${DKIMQUEUE:-}" ]; then exec \$DKIMQUEUE; fi
if [ -n "\${QUEUEPROG:-}" ]; then exec \$QUEUEPROG; fi
exec "$QT/qmail/bin/qmail-queue"
EOT
chmod 755 "$DKIM"

mail "$W/clean"
eicar > "$W/eicar.com"
mail "$W/virus" "$W/eicar.com" report.pdf
chmod 644 "$W/clean" "$W/virus"
{ printf 'DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=standin; b=x\n'; cat "$W/clean"; } > "$W/signed"

runs() { if [ -f "$R/dkim-runs" ]; then wc -l < "$R/dkim-runs" | tr -d ' '; else echo 0; fi; }

t "the wrapper has conf-qmaildkim compiled in" grep -q 'QMAILDKIM:-/usr/sbin/qmail-dkim}' "$A"
t "both orders are installed" test -x "$A" -a -x "$Bw"

# qmail-dkim first, then qscanq.
qrun -u "$QT_UNTRUSTED" -p "$A" QMAILDKIM="$DKIM" "$W/clean"
is "$EXIT" 0 "dkim then qscanq: clean mail is queued"
t "... signed once, byte for byte" same "$R/msg" "$W/signed"
is "$(runs)" 1 "... qmail-dkim ran once"
qrun -u "$QT_UNTRUSTED" -p "$A" QMAILDKIM="$DKIM" "$W/virus"
is "$EXIT" 31 "dkim then qscanq: EICAR is refused (554)"
t "... and not queued" test ! -e "$R/msg"
qrun -u "$QT_UNTRUSTED" -p "$A" QMAILDKIM="$DKIM" QMAILQUEUE="$A" "$W/clean"
is "$EXIT" 0 "QMAILQUEUE naming the wrapper as well: no loop"
is "$(runs)" 1 "... qmail-dkim ran once"
t "... queued once, signed once" same "$R/msg" "$W/signed"

# qscanq first, then qmail-dkim as its program argument.
qrun -u "$QT_UNTRUSTED" -p "$Bw" QMAILDKIM="$DKIM" "$W/clean"
is "$EXIT" 0 "qscanq then dkim: clean mail is queued"
t "... signed once, byte for byte" same "$R/msg" "$W/signed"
is "$(runs)" 1 "... qmail-dkim ran once"
qrun -u "$QT_UNTRUSTED" -p "$Bw" QMAILDKIM="$DKIM" "$W/virus"
is "$EXIT" 31 "qscanq then dkim: EICAR is refused (554)"
is "$(runs)" 0 "... before qmail-dkim ever saw it"
qrun -u "$QT_UNTRUSTED" -p "$Bw" QMAILDKIM="$DKIM" QMAILQUEUE="$Bw" "$W/clean"
is "$EXIT" 0 "QMAILQUEUE naming the wrapper as well: no loop"
is "$(runs)" 1 "... qmail-dkim ran once"

# A qmail-dkim that is not there: a temporary failure naming the path.
qrun -u "$QT_UNTRUSTED" -p "$A" QMAILDKIM="$W/sbin/nosuch" "$W/clean"
is "$EXIT" 71 "qmail-dkim missing: 451, not 127"
t "... naming the path tried" grep -q "unable to run qmail-dkim: $W/sbin/nosuch is not an executable file" "$R/stderr"
t "... nothing queued" test ! -e "$R/msg"
qrun -u "$QT_UNTRUSTED" -p "$Bw" QMAILDKIM="$W/sbin/nosuch" "$W/clean"
is "$EXIT" 71 "the other order too"
done_testing
