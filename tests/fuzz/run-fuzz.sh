#!/usr/bin/env bash
# tests/fuzz/run-fuzz.sh BUILD SECONDS [RUNS]: runs every libFuzzer harness in BUILD/fuzzers for
# SECONDS each (or RUNS executions when RUNS > 0), starting from its seed corpus in
# tests/fuzz/corpus/NAME and what earlier runs found (BUILD/corpus/NAME), and prints per
# harness the executions, rate, coverage (edges) and features. A crash leaves its input in
# BUILD/crashes/NAME/ and fails the run; keep it as tests/fuzz/regressions/NAME/ once fixed.
set -u
BUILD=${1:?usage: run-fuzz.sh BUILD SECONDS [RUNS]}
SECONDS_EACH=${2:-60}
RUNS=${3:-0}
HERE=$(cd "$(dirname "$0")" && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$HERE/../lsan.supp:print_suppressions=0}
bad=0
if [ "$RUNS" -gt 0 ]; then limit="-runs=$RUNS"; else limit="-max_total_time=$SECONDS_EACH"; fi
printf '%-20s %12s %10s %8s %8s %8s  %s\n' harness executions exec/s edges features corpus result
for f in "$BUILD"/fuzzers/fuzz_*; do
    [ -x "$f" ] && [ "${f%.d}" = "$f" ] || continue
    name=$(basename "$f")
    work=$BUILD/corpus/$name crashes=$BUILD/crashes/$name
    mkdir -p "$work" "$crashes"
    extra=()
    [ -d "$HERE/regressions/$name" ] && extra+=("$HERE/regressions/$name")
    log=$BUILD/$name.log
    # the untrusted-work budgets: an image or a frame sequence answered within 10 s and 1 GiB
    rss=2560 timeout=20
    case $name in fuzz_image | fuzz_frame) rss=1024 timeout=10 ;; esac
    "$f" $limit -print_final_stats=1 -rss_limit_mb=$rss -timeout=$timeout -max_len=262144 \
        -artifact_prefix="$crashes/" "$work" "$HERE/corpus/$name" "${extra[@]}" > "$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    n=$(ls "$work" | wc -l)
    if [ "$rc" = 0 ]; then result=ok; else result="CRASH (exit $rc; see $log and $crashes)"; bad=$((bad + 1)); fi
    printf '%-20s %12s %10s %8s %8s %8s  %s\n' "$name" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$n" "$result"
done
[ "$bad" = 0 ] && echo "fuzz: every harness ran without a crash" || echo "fuzz: $bad harness(es) crashed"
[ "$bad" = 0 ]
