#!/bin/sh
# Every fuzz target (fuzz/NAME.c) replays its seed corpus (fuzz/corpus/NAME)
# and every crash input ever found (fuzz/regress/NAME), through the replay
# build (build/replay/NAME: the target with fuzz/replay.c's main, normal
# compiler, or ASan and UBSan under make check-sanitize). One test per
# target. A target without inputs fails: a parser nobody feeds is not
# fuzzed, and a regression input that is not replayed protects nothing.
. "$(dirname "$0")/lib.sh"

# Under make check-sanitize the replays also check for leaks: a target
# runs millions of times in one process under libFuzzer.
ASAN_OPTIONS=detect_leaks=1
export ASAN_OPTIONS

inputs() { # the files replay reads in directory $1: regular, no dot-files
  [ -d "$1" ] || { echo 0; return; }
  find "$1" -mindepth 1 -maxdepth 1 -type f ! -name '.*' | wc -l | tr -d ' '
}

targets=0
for src in "$TOP"/fuzz/*.c; do
  name=$(basename "$src" .c)
  [ "$name" = replay ] && continue
  targets=$((targets + 1))
  bin=$B/replay/$name
  corpus=$TOP/fuzz/corpus/$name regress=$TOP/fuzz/regress/$name
  nc=$(inputs "$corpus") nr=$(inputs "$regress")
  if [ ! -x "$bin" ]; then
    ok 1 "$name: replay binary $bin built"
    continue
  fi
  if [ "$nc" = 0 ]; then
    ok 1 "$name: no seed inputs in fuzz/corpus/$name: a target without a corpus is not fuzzed"
    continue
  fi
  set -- "$corpus"
  [ -d "$regress" ] && set -- "$@" "$regress"
  got=$(timeout 300 "$bin" "$@" 2>"$W/$name.err")
  code=$?
  if [ "$code" = 0 ] && [ "$got" = $((nc + nr)) ]; then
    ok 0 "$name: $got inputs replayed ($nc corpus, $nr regress)"
  else
    ok 1 "$name: replay of $((nc + nr)) inputs ($nc corpus, $nr regress)"
    diag "exit $code, replayed '$got'"
    sed 's/^/#   /' "$W/$name.err" | tail -n 40
    # Name the inputs that fail on their own.
    for f in "$corpus"/* "$regress"/*; do
      [ -f "$f" ] || continue
      timeout 60 "$bin" "$f" >/dev/null 2>&1 || diag "fails: $f"
    done
  fi
done
[ "$targets" -gt 0 ] || ok 1 "at least one fuzz target in fuzz/"
done_testing
