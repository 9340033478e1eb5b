#!/usr/bin/env bash
# Replays every fuzz seed corpus and regression input through its harness under the
# sanitizers (built with tests/fuzz/replay.c instead of libFuzzer): each harness must have
# seeds, and none may crash, leak or trip UBSan.
. "$AIRSEAL_ROOT/tests/lib.sh"
F=$AIRSEAL_ROOT/tests/fuzz
for src in "$F"/fuzz_*.c; do
    name=$(basename "$src" .c)
    bin=$AIRSEAL_BUILD/fuzz-replay/$name
    [ -x "$bin" ] || { not_ok "$name: replay binary missing"; continue; }
    n=$(ls "$F/corpus/$name" 2> /dev/null | wc -l)
    [ "$n" -gt 0 ] && ok "$name: $n seeds" || not_ok "$name: no seed corpus"
    dirs=("$F/corpus/$name")
    [ -d "$F/regressions/$name" ] && dirs+=("$F/regressions/$name")
    if "$bin" "${dirs[@]}" > replay.out 2> replay.err; then
        ok "$name: $(cat replay.out)"
    else
        not_ok "$name: replay failed"; sed 's/^/#   /' replay.err | head -15
    fi
done
done_testing
