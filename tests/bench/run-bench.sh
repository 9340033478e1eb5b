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
# st: a classical station, so that stock age 1.1.1 can be compared on the same recipient;
# pst: a post-quantum hybrid one (the default), for the hybrid cost below
airseal-recv init st --classical --no-passphrase > /dev/null
airseal-recv trust st add ngo.pub --yes > /dev/null
airseal-recv init pst --no-passphrase > /dev/null
airseal-recv trust pst add ngo.pub --yes > /dev/null
mkdir ev && for i in $(seq 1 64); do head -c $((MB * 1024 * 1024 / 64)) /dev/urandom > "ev/f$i.bin"; done
R=$(cat st/recipient.pub)

echo "== sealing (hash every file, tar, age-encrypt, sign, 5% parity)"
run "airseal-send pack" airseal-send pack -r "$R" -s ngo.key -o out ev; a=$secs; a_pack=$secs
run "stock tar | age -r" sh -c "tar -cf - ev | age -r $R -o stock.age"; s1=$secs
run "stock minisign -S" minisign -S -s ngo.key -m stock.age; s2=$secs
run "stock sha256sum (the manifest's hashing)" sh -c "sha256sum ev/* > /dev/null"; s3=$secs
ratio "stock (tar|age + minisign + sha256sum) / airseal" "$(echo "$s1 + $s2 + $s3" | bc -l)" "$a"

echo "== import (verify, decrypt, extract with every check, hash, vault)"
run "airseal-recv import" airseal-recv import st out; a=$secs; a_import=$secs
mkdir x
run "stock minisign -V" minisign -V -p ngo.pub -m stock.age; s1=$secs
run "stock age -d | tar -x" sh -c "age -d -i st/identity.txt stock.age | tar -x -C x"; s2=$secs
ratio "stock (minisign -V + age|tar) / airseal" "$(echo "$s1 + $s2" | bc -l)" "$a"

echo "== hybrid (age1pq1: ML-KEM-768 + X25519) against classical (age1: X25519) recipients"
PR=$(cat pst/recipient.pub)
run "airseal-send pack, hybrid recipient" airseal-send pack -r "$PR" -s ngo.key -o pout ev; hp=$secs
run "airseal-recv import, hybrid station" airseal-recv import pst pout; hi=$secs
# the per-file cost alone: seal and open an empty file N times (process start included), the
# header's key wrapping and unwrapping being all the work there is
N=${BENCH_KEYOPS:-100}
: > empty
per() { # per LABEL CMD...: mean milliseconds per run of CMD over N runs
    local label=$1 t0 t1; shift
    t0=$(date +%s.%N)
    for _ in $(seq "$N"); do "$@" > /dev/null 2>&1 || { echo "$label failed"; exit 1; }; done
    t1=$(date +%s.%N)
    printf '  %-44s %7.2f ms per file (mean of %s)\n' "$label" "$(echo "($t1 - $t0) * 1000 / $N" | bc -l)" "$N"
}
astool age-encrypt -r "$R" < empty > c.age && astool age-encrypt -r "$PR" < empty > p.age
per "seal an empty file, classical" sh -c "astool age-encrypt -r $R < empty"
per "seal an empty file, hybrid" sh -c "astool age-encrypt -r $PR < empty"
per "open it, classical" sh -c "astool age-decrypt -i st/identity.txt < c.age"
per "open it, hybrid" sh -c "astool age-decrypt -i pst/identity.txt < p.age"
printf '  %-44s %7d / %d bytes\n' "age header, hybrid / classical" "$(($(stat -c %s p.age) - 32))" "$(($(stat -c %s c.age) - 32))"
ratio "pack of $MB MB: hybrid / classical" "$hp" "$a_pack"
ratio "import of $MB MB: hybrid / classical" "$hi" "$a_import"

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
