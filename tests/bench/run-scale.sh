#!/usr/bin/env bash
# make bench-scale: airseal packs and imports 1, 4 and 16 GiB of random evidence on the disk,
# one run each, and prints the time per GiB and the peak RSS at each size, so that time linear
# in size and flat memory are visible (issue 14: peak RSS <= 64 MiB at every size). A
# measurement: a MISS is printed, only a failing command fails the run.
#
#   BENCH_SCALE_GB=16   the largest size in GiB; the sizes are those of 1, 4, 16 below it, and it
#
# Room needed on the build folder's file system: the evidence and the bundle while packing,
# then the bundle and the vault (bundle + evidence) while importing: about 3.2 x the size.
set -euo pipefail
BUILD=$(cd "${1:-build/release}" && pwd)
PATH=$BUILD:$BUILD/tools:$PATH
GB=${BENCH_SCALE_GB:-16}
export NO_PROGRESS=1 LC_ALL=C
. "$(dirname "$0")/bench-lib.sh"
case $GB in '' | *[!0-9]* | 0*) die "BENCH_SCALE_GB: '$GB' is not a whole number of GiB" ;; esac
SIZES=
for g in 1 4 16; do
    if [ "$g" -lt "$GB" ]; then SIZES="$SIZES $g"; fi
done
SIZES="$SIZES $GB"
for c in bc /usr/bin/time airseal-send airseal-recv primlimit; do
    command -v "$c" > /dev/null || die "$c is missing: run make deps, then make bench-scale"
done

W=$(mktemp -d "$BUILD/bench.XXXXXX")
CLEAN=("$W")
trap 'rm -rf "${CLEAN[@]}"; rmdir "$BUILD/bench-disk" 2> /dev/null || true' EXIT
trap 'exit 130' INT TERM
root=$(medium_root disk) || die "no disk to measure on: $root"
keys_setup "$W"
R=$(cat "$W/st/recipient.pub")

echo "== airseal bench-scale: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   sizes:$SIZES GiB on the disk ($root, $(space_mib "$root" disk) MiB free), one run each"
for g in $SIZES; do
    need=$((g * 1024 * 32 / 10 + 512))
    if [ "$(space_mib "$root" disk)" -lt "$need" ]; then
        echo "   $g GiB does NOT fit: it needs $need MiB free on $(df -P "$root" | awk 'NR == 2 {print $6}'), there are $(space_mib "$root" disk) MiB; skipped"
    fi
done

declare -A RES=()
DONE=()
for g in $SIZES; do
    need=$((g * 1024 * 32 / 10 + 512))
    [ "$(space_mib "$root" disk)" -ge "$need" ] || continue
    D=$(mktemp -d "$root/airseal-scale.XXXXXX")
    CLEAN+=("$D")
    step "$g GiB: generating the evidence"
    t0=$(date +%s)
    gen_evidence "$D/ev" $((g << 30))
    echo "== $g GiB in 64 files, generated in $(($(date +%s) - t0)) s"
    cd "$D"
    step "$g GiB: airseal-send pack"
    timed "airseal-send pack" airseal-send pack -r "$R" -s "$W/ngo.key" -o out ev
    RES[$g pack]=$SECS RES[$g pack rss]=$KB
    rm -rf ev
    cp -a "$W/st" st
    step "$g GiB: airseal-recv import"
    timed "airseal-recv import" airseal-recv import st out
    RES[$g import]=$SECS RES[$g import rss]=$KB
    for op in pack import; do
        printf '  %-6s %9.1f s  %7.2f s/GiB  %7.1f MB/s   peak RSS %6.1f MiB\n' "$op" "${RES[$g $op]}" \
            "$(calc "${RES[$g $op]} / $g")" "$(calc "$g * 1073.741824 / ${RES[$g $op]}")" \
            "$(calc "${RES[$g $op rss]} / 1024")"
    done
    cd "$W"
    rm -rf "$D"
    DONE+=("$g")
done

echo
echo "== scale (one run per size; s/GiB flat = linear time, RSS flat = bounded memory)"
printf '  %-8s %10s %10s %10s %10s %10s %10s\n' size "pack s" "s/GiB" "RSS MiB" "import s" "s/GiB" "RSS MiB"
for g in ${DONE[@]+"${DONE[@]}"}; do
    printf '  %-8s %10.1f %10.2f %10.1f %10.1f %10.2f %10.1f\n' "$g GiB" "${RES[$g pack]}" \
        "$(calc "${RES[$g pack]} / $g")" "$(calc "${RES[$g pack rss]} / 1024")" "${RES[$g import]}" \
        "$(calc "${RES[$g import]} / $g")" "$(calc "${RES[$g import rss]} / 1024")"
done
[ ${#DONE[@]} -gt 0 ] || die "no size fitted on $root"
first=${DONE[0]} last=${DONE[${#DONE[@]} - 1]}
for op in pack import; do
    printf '  %-6s s/GiB at %s GiB / at %s GiB: %.2f (1.00 = linear)\n' "$op" "$last" "$first" \
        "$(calc "(${RES[$last $op]} / $last) / (${RES[$first $op]} / $first)")"
    for g in "${DONE[@]}"; do
        v=$(calc "${RES[$g $op rss]} / 1024")
        printf '  %-6s peak RSS <= 64 MiB at %2s GiB: %6.1f MiB  %s\n' "$op" "$g" "$v" \
            "$([ "$(echo "$v <= 64" | bc -l)" = 1 ] && echo PASS || echo MISS)"
    done
done
echo "  load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
