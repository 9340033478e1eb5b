#!/usr/bin/env bash
# make demo: the keys and the stock-tool interop, on a fresh NGO and station in build/demo.
set -euo pipefail
BUILD=$(cd "${1:-build/release}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEMO=$ROOT/build/demo
rm -rf "$DEMO" && mkdir -p "$DEMO" && cd "$DEMO"
PATH=$BUILD:$PATH
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "The NGO makes its signing key (no passphrase for the demo)"
airseal-send keygen -o ngo --no-passphrase
step "The Court sets up its intake station"
airseal-recv init station --no-passphrase
step "After a phone call comparing fingerprints, the station trusts the NGO key"
airseal-recv trust station add ngo.pub --name "Demo field NGO" --yes
airseal-recv trust station list
step "Stock tools work with these keys: age encrypts to the station, age decrypts with it"
printf 'witness statement, demo\n' > note.txt
age -r "$(cat station/recipient.pub)" -o note.txt.age note.txt
age -d -i station/identity.txt note.txt.age
step "Stock minisign signs with the NGO key and verifies with its public key"
minisign -S -s ngo.key -m note.txt.age < /dev/null > /dev/null
minisign -V -H -p ngo.pub -m note.txt.age
step "The custody log so far"
cat station/custody.log
echo
echo "Demo files are in $DEMO"
