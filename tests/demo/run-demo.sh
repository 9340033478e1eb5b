#!/usr/bin/env bash
# make demo: the main job end to end on the sample evidence in tests/demo/evidence, in
# build/demo. An NGO seals the evidence into a USB bundle; the Court's intake station
# verifies, decrypts and stores it and signs a receipt; the NGO checks the receipt; an auditor
# checks everything with public keys and stock tools.
set -euo pipefail
BUILD=$(cd "${1:-build/release}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEMO=$ROOT/build/demo
rm -rf "$DEMO" && mkdir -p "$DEMO" && cd "$DEMO"
PATH=$BUILD:$PATH
if [ -t 1 ]; then bold=$'\033[1m' off=$'\033[0m'; else bold='' off=''; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
run() { printf '$'; printf ' %q' "$@"; printf '\n'; "$@"; }

cp -r "$ROOT/tests/demo/evidence" evidence
step "1. The NGO makes its signing key (no passphrase for the demo; in the field, use one)"
run airseal-send keygen -o ngo --no-passphrase

step "2. The Court sets up its air-gapped intake station"
run airseal-recv init station --no-passphrase

step "3. A phone call: each side reads the other the fingerprints its screen shows"
run airseal-send fingerprint station/recipient.pub station/station.pub
run airseal-recv trust station add ngo.pub --name "Demo field NGO" --yes

step "4. The NGO seals the evidence for the station, ready for a USB stick"
run find evidence -type f
run airseal-send pack -r station/recipient.pub -s ngo.key -o usb-stick --case "ICC-DEMO/01" \
    --collector "Field team 3" --note "sample evidence, fictional" evidence
run ls -l usb-stick

step "5. Anyone can check the NGO signature with stock minisign (no secret needed)"
run minisign -V -p ngo.pub -m usb-stick/bundle.age

step "6. On the way, the stick is damaged: 1000 bytes in the middle of bundle.age are overwritten"
run dd if=/dev/urandom of=usb-stick/bundle.age bs=1 seek=12388 count=1000 conv=notrunc status=none
run minisign -V -q -p ngo.pub -m usb-stick/bundle.age || echo "(stock minisign sees the damage)"

step "7. The intake station imports it: signature, repair, decryption, checks, vault, receipt, log"
run airseal-recv import station usb-stick

step "8. Importing the same stick again changes nothing"
run airseal-recv import station usb-stick

step "9. The NGO checks the receipt the station signed (text, and the photographed QR code)"
receipt=$(ls station/receipts/*.receipt)
run cat "$receipt"
run airseal-send verify-receipt -p station/station.pub "$receipt"
run airseal-send verify-receipt -p station/station.pub "$receipt.png"

step "10. An auditor checks the custody log and the vault entry with public keys only"
run airseal-recv verify -p station/station.pub station/custody.log
entry=$(ls -d station/vault/*/*)
run airseal-recv verify -p ngo.pub "$entry"
run diff -r evidence "$entry/evidence/evidence"
echo "The evidence in the vault is identical to what the NGO sealed."

step "11. And with another age (typage; Debian 12's age 1.1.1 has no post-quantum keys) and tar, the station's identity opens the original sealed file"
run sh -c "node '$ROOT/tests/interop/typage.mjs' decrypt station/identity.txt < '$entry/bundle.age' | tar -t"

step "12. A second delivery, by QR codes: a one-way optical link (a screen, or paper)"
run airseal-send pack -r station/recipient.png -s ngo.key -o qr-bundle --case "ICC-DEMO/01" \
    "evidence/interviews"
run airseal-send qr qr-bundle -o frames
echo "frames/player.html plays the codes as an animation; frames/frames.pdf prints them."

step "13. The station's camera missed one frame in ten; parity makes up for them"
mkdir scanned && ls frames/frame-*.png | awk 'NR % 10 != 3' | xargs -I{} cp {} scanned/
run airseal-recv import station scanned
run airseal-recv verify -p station/station.pub station/custody.log

echo
echo "Demo files are in $DEMO"
