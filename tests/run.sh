#!/usr/bin/env bash
# tests/run.sh BUILD: runs every test of airseal against the binaries in BUILD and prints one
# summary line "N passed, N failed". Each test program prints TAP ("ok N - ...",
# "not ok N - ..."); skipped vectors ("# SKIP") are counted neither as passed nor as failed.
# A program that exits non-zero without reporting a failure counts as one failure.
#
# Environment: AIRSEAL_VALGRIND=1 runs every airseal binary under valgrind (make
# check-valgrind); TESTS="name ..." runs only the named tests (file names without extension).
set -u
BUILD=${1:?usage: tests/run.sh BUILD}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$ROOT" && cd "$BUILD" && pwd)
LOGS=$BUILD/logs
rm -rf "$LOGS" && mkdir -p "$LOGS"

export AIRSEAL_ROOT=$ROOT
export AIRSEAL_BUILD=$BUILD
export AIRSEAL_VECTORS=${AIRSEAL_VECTORS:-$ROOT/tests/vectors}
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=87}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}
export LC_ALL=C.UTF-8

# The binaries tests call by name: airseal-send, airseal-recv and the test tools.
BIN=$BUILD/test-bin
rm -rf "$BIN" && mkdir -p "$BIN"
for f in "$BUILD"/airseal-send "$BUILD"/airseal-recv "$BUILD"/tools/*; do
    [ -x "$f" ] || continue
    if [ "${AIRSEAL_VALGRIND:-0}" = 1 ]; then
        printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --suppressions=%s --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --track-fds=no "%s" "$@"\n' "$ROOT/tests/valgrind.supp" "$f" > "$BIN/$(basename "$f")"
        chmod +x "$BIN/$(basename "$f")"
    else
        ln -s "$f" "$BIN/$(basename "$f")"
    fi
done
export PATH=$BIN:$PATH

passed=0 failed=0 skipped=0
declare -a failures=()

run_one() { # name, command...
    local name=$1; shift
    local log=$LOGS/$name.log start end rc p f s
    start=$(date +%s)
    "$@" > "$log" 2>&1 < /dev/null
    rc=$?
    end=$(date +%s)
    p=$(grep -cE '^ok [0-9]+' "$log" | tr -d ' ')
    s=$(grep -cE '^ok [0-9]+.*# SKIP' "$log" | tr -d ' ')
    f=$(grep -cE '^not ok [0-9]+' "$log" | tr -d ' ')
    p=$((p - s))
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1
        echo "not ok - $name exited with status $rc without reporting a failure" >> "$log"
    fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    printf '%-34s %4d passed %3d failed %3d skipped  %3ds\n' "$name" "$p" "$f" "$s" $((end - start))
    if [ "$f" != 0 ]; then
        failures+=("$name")
        grep -E '^not ok|^#' "$log" | head -20 | sed 's/^/    /'
        tail -5 "$log" | sed 's/^/    | /'
    fi
}

wanted() { [ -z "${TESTS:-}" ] || [[ " $TESTS " == *" $1 "* ]]; }

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    wanted "$name" || continue
    case $name in
    test_age_vectors) run_one "$name" "$t" "$AIRSEAL_VECTORS/age" 143 0 ;;
    *) if [ "${AIRSEAL_VALGRIND:-0}" = 1 ]; then
           run_one "$name" valgrind -q --error-exitcode=99 --suppressions="$ROOT/tests/valgrind.supp" --leak-check=full --errors-for-leak-kinds=definite,indirect "$t"
       else
           run_one "$name" "$t"
       fi ;;
    esac
done
for t in "$ROOT"/tests/static/*.sh "$ROOT"/tests/e2e/*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    wanted "$name" || continue
    run_one "$name" bash "$t"
done

echo
if [ "${#failures[@]}" -gt 0 ]; then
    echo "failed: ${failures[*]} (logs in $LOGS)"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
