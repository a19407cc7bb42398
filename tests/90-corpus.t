#!/bin/sh
# The clamav-testfiles corpus, each sample attached to a mail, through the
# whole chain with qscanq-clamd (FILDES and INSTREAM) and qscanq-clamav.
# The database is one .hsb line (the SHA-256 of clam.exe) and the EICAR
# signatures: every sample carries clam.exe somewhere.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clamd.sh"
C=/usr/share/clamav-testfiles
[ -d $C ] || plan_skip_all "clamav-testfiles not installed"
have_clamd || plan_skip_all "clamd (clamav-daemon) not installed"
clamd_start A "$QT/db" "AlertExceedsMax yes" || plan_skip_all "clamd would not start"

n=0
for f in "$C"/*; do
  n=$((n + 1))
  mail "$W/s$n.eml" "$f"
done
is "$n" 44 "the corpus has 44 samples"

for scanner in "qscanq-clamd -s $A_sock" "qscanq-clamd -s $A_tcp" "qscanq-clamav -d $QT/db"; do
  passed= i=0 bad=0
  for f in "$C"/*; do
    i=$((i + 1))
    qrun "SCANCMD=$scanner" -- "$W/s$i.eml"
    if [ "$EXIT" != 31 ]; then passed="$passed $(basename "$f")($EXIT)"; bad=$((bad + 1)); fi
    [ -e "$R/msg" ] && { passed="$passed $(basename "$f")(DELIVERED)"; bad=$((bad + 1)); }
  done
  is "$bad" 0 "$scanner: all $i samples refused with 31"
  [ -n "$passed" ] && diag "not refused:$passed"
done

# Ordinary mail with ordinary attachments passes, byte for byte.
printf 'Quarterly figures attached.\n' > "$W/notes.txt"
{ printf '%%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n'; } > "$W/report.pdf"
(cd "$W" && zip -q texts.zip notes.txt)
for a in notes.txt report.pdf texts.zip; do
  mail "$W/ok-$a.eml" "$W/$a"
  for scanner in "qscanq-clamd -s $A_sock" "qscanq-clamd -s $A_tcp" "qscanq-clamav -d $QT/db"; do
    qrun "SCANCMD=$scanner" -- "$W/ok-$a.eml"
    is "$EXIT" 0 "clean mail with $a, ${scanner%% *} ${scanner##* }: passes"
    t "... byte for byte" same "$W/ok-$a.eml" "$R/msg"
  done
done

done_testing
