#!/usr/bin/env bash
# How the golden files in this folder were made (once, with the code of 2026-12-02). Not
# run by the tests: the goldens are fixed bytes that every later version must still read,
# and re-running this makes new keys, ids and times. Usage: make-golden.sh BUILD OUTDIR
set -euo pipefail
B=$(cd "$1" && pwd)
mkdir -p "$2" && cd "$2"
export NO_PROGRESS=1 ASAN_OPTIONS=detect_leaks=0
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

# Test-only keys, unencrypted (never use them for anything but these tests).
mkdir -p keys
"$B/airseal-send" keygen -o keys/TEST-ONLY-ngo --no-passphrase > /dev/null
"$B/airseal-send" keygen -o keys/TEST-ONLY-other-ngo --no-passphrase > /dev/null
"$B/airseal-recv" init "$w/station" --no-passphrase > /dev/null
"$B/airseal-recv" trust "$w/station" add keys/TEST-ONLY-ngo.pub --name "Golden field NGO" --yes > /dev/null
"$B/airseal-recv" trust "$w/station" add keys/TEST-ONLY-other-ngo.pub --name "Other NGO (later removed)" --yes > /dev/null
cp -a "$w/station" station-pre-import

mkdir -p "$w/evidence/photos"
printf 'Witness statement, golden bundle.\nLine two.\n' > "$w/evidence/statement.txt"
printf 'not really a photo\n' > "$w/evidence/photos/scene-01.jpg"
"$B/airseal-send" pack -r "$w/station/recipient.pub" -s keys/TEST-ONLY-ngo.key -o usb \
    --case "ICC-GOLDEN/01" --collector "Field team 3" --note "Golden bundle for format tests" \
    "$w/evidence/statement.txt" "$w/evidence/photos" > /dev/null
"$B/airseal-send" qr usb -o "$w/frames" --version 25 --ecc M --redundancy 30 > /dev/null
"$B/airseal-send" pack -r "$w/station/recipient.pub" -s keys/TEST-ONLY-ngo.key -o usb-split --split 2M \
    --case "ICC-GOLDEN/02" "$w/evidence/statement.txt" > /dev/null
mkdir -p frames && cp "$w"/frames/*.png frames/
"$B/airseal-recv" import "$w/station" usb --json > import.json
"$B/airseal-recv" trust "$w/station" remove "$(sed -n 's/.*minisign public key \([0-9A-F]*\).*/\1/p' keys/TEST-ONLY-other-ngo.pub)" > /dev/null
cp -a "$w/station" station
# Three frame payloads as raw bytes (two data frames and a parity frame), read back from
# their PNGs with stock zbarimg.
mkdir -p frames-raw
for i in 00001 00002 00008; do zbarimg --raw -q -Sbinary "frames/frame-$i.png" > "frames-raw/frame-$i.bin"; done
# git keeps neither empty folders nor modes: the tests restore both from this list.
find station station-pre-import keys -printf '%m %y %p\n' | LC_ALL=C sort -k3 > modes.txt
