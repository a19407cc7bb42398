#!/bin/sh
# SCANCMD is a list of scanners separated by a word ';': all run in
# order, each exit code judged by qscanq-stdin, the first refusal or
# failure decides and the rest do not run; a malformed list is a failure.
. "$(dirname "$0")/lib.sh"

nothing_passed() { [ ! -e "$R/msg" ]; }
mail "$W/clean"
{ printf 'Subject: plain eicar\n\n'; eicar; printf '\n'; } > "$W/eicar"
CLAM="qscanq-clamav -d $QT/db"
# A stand-in scanner that records its turn in $W/order and exits $2.
printf '#!/bin/sh\necho "$1" >> %s/order\nexit "$2"\n' "$W" > "$W/step"
chmod 755 "$W/step"
order() { tr '\n' ' ' < "$W/order" 2>/dev/null; }

qrun "SCANCMD=/bin/true ; $CLAM" -- "$W/eicar"
is "$EXIT" 31 "'true ; qscanq-clamav': EICAR refused (31)"
t "... nothing passed on" nothing_passed
qrun "SCANCMD=/bin/true ; $CLAM" -- "$W/clean"
is "$EXIT" 0 "'true ; qscanq-clamav': clean message passes"
t "... byte for byte" same "$W/clean" "$R/msg"
qrun "SCANCMD=$CLAM ; /bin/true" -- "$W/eicar"
is "$EXIT" 31 "'qscanq-clamav ; true': a later clean verdict cannot undo a refusal"

rm -f "$W/order"
qrun "SCANCMD=$W/step a 0 ; $W/step b 0 ; $W/step c 0" -- "$W/clean"
is "$EXIT/$(order)" "0/a b c " "three clean scanners: all run, in order, 0"
rm -f "$W/order"
qrun "SCANCMD=$W/step a 0 ; $W/step b 1 ; $W/step c 0" -- "$W/clean"
is "$EXIT/$(order)" "31/a b " "virus from the 2nd: 31, the 3rd does not run"
rm -f "$W/order"
qrun "SCANCMD=$W/step a 0 ; $W/step b 3 ; $W/step c 0" -- "$W/clean"
is "$EXIT/$(order)" "31/a b " "banned from the 2nd: 31, the 3rd does not run"
rm -f "$W/order"
qrun "SCANCMD=$W/step a 0 ; $W/step b 2 ; $W/step c 0" -- "$W/clean"
is "$EXIT/$(order)" "71/a b " "failure in the middle: 71, the 3rd does not run"
t "... and the failing scanner is named" grep -q "scanner failed with exit code 2: $W/step" "$R/stderr"
rm -f "$W/order"
qrun "SCANCMD=$W/step a 2 ; $CLAM" -- "$W/eicar"
is "$EXIT/$(order)" "71/a " "failure first, virus later: the failure decides (71)"
rm -f "$W/order"
qrun "SCANCMD=$W/step a 1 ; $W/step b 2" -- "$W/clean"
is "$EXIT/$(order)" "31/a " "virus first, failure later: the virus decides (31)"
qrun "SCANCMD=/bin/true ; /bin/sh -c 'kill -9 \$\$'" -- "$W/clean"
is "$EXIT" 71 "a later scanner killed by a signal: 71"
qrun "SCANCMD=$W/step a 2 ; /bin/true" QSCANQ_ONERROR=accept -- "$W/clean"
is "$EXIT" 0 "QSCANQ_ONERROR=accept passes a failure in the list"

# Quoting: a quoted ';' is an argument; so is one inside quotes.
qrun "SCANCMD=/bin/sh -c 'echo \"\$1\" > $W/arg' x ';'" -- "$W/clean"
is "$EXIT/$(cat "$W/arg")" "0/;" "a quoted ';' is an argument, not a separator"
qrun "SCANCMD=/bin/sh -c 'echo \"\$1\" > $W/arg' x \"a ; b\"" -- "$W/clean"
is "$EXIT/$(cat "$W/arg")" "0/a ; b" "a ';' inside quotes is part of the argument"

# Malformed lists fail (71) with a clear message, never "do not scan".
bad() { # bad LIST DESCRIPTION MESSAGE
  qrun "SCANCMD=$1" -- "$W/eicar"
  is "$EXIT" 71 "malformed list ($2): 71"
  t "... nothing passed on" nothing_passed
  t "... says '$3'" grep -q "invalid scanner list: $3" "$R/stderr"
}
bad "/bin/true ;" "a ';' at the end" "empty command"
bad "; /bin/true" "a ';' at the start" "empty command"
bad "/bin/true ; ; /bin/true" "two ';' in a row" "empty command"
bad "   " "blanks only" "empty command"
bad "/bin/true 'unbalanced" "unbalanced quote" "unbalanced quote"
bad "/bin/true; /bin/true" "a ';' glued to a word" "';' inside a word"
bad "/bin/true $(seq 1 70 | tr '\n' ' ')" "70 words" "too many words"
bad "$(seq 1 17 | sed 's,.*,/bin/true,' | tr '\n' ';' | sed 's/;/ ; /g; s/ ; $//')" "17 commands" "too many commands"

done_testing
