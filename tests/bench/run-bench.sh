#!/usr/bin/env bash
# make bench: airseal against the stock tools on the same data, in the same run. Prints
# throughput, ratios and peak memory (max RSS). Not a test: numbers vary with the machine.
#
#   BENCH_MB=256 (size of the evidence for sealing and import)
set -euo pipefail
BUILD=$(cd "${1:-build/release}" && pwd)
PATH=$BUILD:$BUILD/tools:$PATH
MB=${BENCH_MB:-256}
W=$(mktemp -d "${TMPDIR:-/tmp}/airseal-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W"
export NO_PROGRESS=1

# run LABEL CMD...: prints seconds and peak memory, returns the seconds in $secs
run() {
    local label=$1; shift
    /usr/bin/time -f '%e %M' -o t.txt "$@" > /dev/null 2> err.txt || { echo "$label failed: $(tail -1 err.txt)"; exit 1; }
    read -r secs kb < t.txt
    printf '  %-44s %7.2f s  %8.1f MB/s  peak %6.1f MB\n' "$label" "$secs" "$(echo "$MB / ($secs + 0.0001)" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
}
ratio() { printf '  %-44s %7.2f x\n' "$1" "$(echo "$2 / ($3 + 0.0001)" | bc -l)"; }

echo "== setup: $MB MB of evidence in 64 files"
airseal-send keygen -o ngo --no-passphrase > /dev/null
airseal-recv init st --no-passphrase > /dev/null
airseal-recv trust st add ngo.pub --yes > /dev/null
mkdir ev && for i in $(seq 1 64); do head -c $((MB * 1024 * 1024 / 64)) /dev/urandom > "ev/f$i.bin"; done
R=$(cat st/recipient.pub)

echo "== sealing (hash every file, tar, age-encrypt, sign, 5% parity)"
run "airseal-send pack" airseal-send pack -r "$R" -s ngo.key -o out ev; a=$secs
run "stock tar | age -r" sh -c "tar -cf - ev | age -r $R -o stock.age"; s1=$secs
run "stock minisign -S" minisign -S -s ngo.key -m stock.age; s2=$secs
run "stock sha256sum (the manifest's hashing)" sh -c "sha256sum ev/* > /dev/null"; s3=$secs
ratio "stock (tar|age + minisign + sha256sum) / airseal" "$(echo "$s1 + $s2 + $s3" | bc -l)" "$a"

echo "== import (verify, decrypt, extract with every check, hash, vault)"
run "airseal-recv import" airseal-recv import st out; a=$secs
mkdir x
run "stock minisign -V" minisign -V -p ngo.pub -m stock.age; s1=$secs
run "stock age -d | tar -x" sh -c "age -d -i st/identity.txt stock.age | tar -x -C x"; s2=$secs
ratio "stock (minisign -V + age|tar) / airseal" "$(echo "$s1 + $s2" | bc -l)" "$a"

echo "== QR frames (screen preset: version 25, level M, 30% parity) of a 200 kB bundle"
mkdir qev && head -c 200000 /dev/urandom > qev/a.bin
airseal-send pack -r "$R" -s ngo.key -o qb qev > /dev/null
/usr/bin/time -f '%e %M' -o t.txt airseal-send qr qb -o fr > qr.txt
read -r secs kb < t.txt
n=$(ls fr/frame-*.png | wc -l)
printf '  %-44s %7.1f frames/s (PNG + PDF + player), peak %.1f MB\n' "encode: airseal-send qr, $n frames" "$(echo "$n / $secs" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
read -r _ images _ codes _ frames _ secs _ rate < <(astool qr-decode fr/frame-*.png)
printf '  %-44s %7.1f frames/s (%s of %s decoded)\n' "decode: airseal (as import does)" "$rate" "$frames" "$images"
/usr/bin/time -f '%e' -o t.txt zbarimg -q --raw -Sbinary fr/frame-*.png > /dev/null 2>&1 || true
zsecs=$(cat t.txt)
zrate=$(echo "$n / $zsecs" | bc -l)
printf '  %-44s %7.1f frames/s\n' "decode: stock zbarimg, same PNGs" "$zrate"
ratio "decode rate airseal / zbarimg (target >= 4)" "$rate" "$zrate"
sealed=$(($(stat -c %s qb/bundle.age) + $(stat -c %s qb/bundle.age.minisig)))
k=$(sed -n 's/^Frames: *\([0-9]*\) data.*/\1/p' qr.txt)
cap=997
printf '  %-44s %7.1f %%  (sealed bytes / capacity of the %s data frames a receiver needs; target >= 85)\n' "payload efficiency" "$(echo "100 * $sealed / ($k * $cap)" | bc -l)" "$k"
printf '  %-44s %7.1f %%  (over all %s frames, parity included)\n' "  including parity" "$(echo "100 * $sealed / ($n * $cap)" | bc -l)" "$n"
echo "== a receiver joins the animation at a random frame (2000 trials; ideal code 1/(1-loss))"
for loss in 0.10 0.30; do
    for pct in 30 50; do
        r=$(astool qr-sim "$k" $pct $loss 2000 7)
        printf '  loss %2.0f%%, %2d%% parity, k=%s: mean frames seen before completion %s\n' "$(echo "$loss * 100" | bc -l)" $pct "$k" "${r#*mean }"
    done
done
r=$(astool qr-sim 5000 30 0.10 300 7)
printf '  loss 10%%, 30%% parity, a 5 MB bundle (k=5000): %s (target <= 1.2 k)\n' "${r#*mean }"
echo "   (a plain repeating loop without parity needs about 2.2 k at 10% loss)"
