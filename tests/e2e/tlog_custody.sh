#!/usr/bin/env bash
# The custody log as a Merkle tree log (issue 16): three imports, each receipt proven to be
# in the station's signed log with the station's public key alone; a cut log, a tampered
# proof, index or checkpoint each refused with exit 1 and one exact line.
. "$AIRSEAL_ROOT/tests/lib.sh"

check "NGO keygen" airseal-send keygen -o ngo --no-passphrase
check "init" airseal-recv init st --no-passphrase
[ -f st/custody.tree ] && [ -f st/custody.checkpoint ] && ok "a new station has custody.tree and custody.checkpoint" || not_ok "side files"
head -1 st/custody.checkpoint | grep -qx "airseal.station/$(sed -n 's/^station-id: //p' st/station.conf)" && ok "the checkpoint's origin names the station" || not_ok "origin line"
check "trust" airseal-recv trust st add ngo.pub --yes
for i in 1 2 3; do
    mkdir -p ev$i && echo "evidence $i" > ev$i/note.txt
    check "pack $i" airseal-send pack -r st/recipient.pub -s ngo.key -o b$i --case TL-$i ev$i
    check "import $i" airseal-recv import st b$i
done
n=0
for r in st/receipts/*.receipt; do
    n=$((n + 1))
    [ -f "$r.tlog" ] && head -1 "$r.tlog" | grep -qx 'c2sp.org/tlog-proof@v1' && ok "receipt $n has its tlog-proof" || not_ok "receipt $n proof file"
    check "verify-receipt $n" airseal-send verify-receipt -p st/station.pub "$r"
    grep -q "^    Inclusion proof: the entry is in the station's signed custody log of [0-9]* entries.$" "$T/.out" && ok "receipt $n: the inclusion proof verifies" || not_ok "receipt $n inclusion line"
done
r=$(ls st/receipts/*.receipt | head -1)
check "verify-receipt of the receipt's QR code" airseal-send verify-receipt -p st/station.pub "$r.png"
grep -q "^    Inclusion proof: the entry is in the station's signed custody log of [0-9]* entries.$" "$T/.out" && ok "the QR code carries the receipt and its inclusion proof" || not_ok "QR inclusion line"
zbarimg -q --raw "$r.png" 2> /dev/null | grep -qx 'c2sp.org/tlog-proof@v1' && ok "stock zbarimg reads the proof in the QR code" || not_ok "zbarimg"
check "the station's verify reads the QR code too" airseal-recv verify --station st "$r.png"
check "the full audit verifies chain and tree" airseal-recv verify --station st st/custody.log

r=$(ls st/receipts/*.receipt | head -1)
cp "$r" rc.receipt && cp "$r.minisig" rc.receipt.minisig
# a tampered index, path hash, checkpoint root, checkpoint signature: each refused
sed 's/^index \([0-9]*\)$/index 1\1/' "$r.tlog" > rc.receipt.tlog
expect 1 "^airseal-send: error: inclusion proof: " "a proof with another index is refused" -- airseal-send verify-receipt -p st/station.pub rc.receipt
python3 - "$r.tlog" rc.receipt.tlog <<'PY'
import sys
l = open(sys.argv[1]).read().split('\n')
i = l.index('') - 1  # the last path hash, or the index line when the path is empty
l[4] = ('B' if l[4][0] == 'A' else 'A') + l[4][1:]
open(sys.argv[2], 'w').write('\n'.join(l))
PY
expect 1 "^airseal-send: error: inclusion proof: " "a proof with a changed hash or root is refused" -- airseal-send verify-receipt -p st/station.pub rc.receipt
python3 - "$r.tlog" rc.receipt.tlog <<'PY'
import sys
t = open(sys.argv[1]).read()
head, ck = t.split('\n\n', 1)
lines = ck.split('\n')
lines[1] = str(int(lines[1]) + 1)
open(sys.argv[2], 'w').write(head + '\n\n' + '\n'.join(lines))
PY
expect 1 "^airseal-send: error: inclusion proof: " "a checkpoint with another size (signature broken) is refused" -- airseal-send verify-receipt -p st/station.pub rc.receipt
cp "$(ls st/receipts/*.receipt | tail -1).tlog" rc.receipt.tlog
expect 1 "^airseal-send: error: the inclusion proof is for custody log entry [0-9]+, not this receipt's$" "another receipt's proof is refused" -- airseal-send verify-receipt -p st/station.pub rc.receipt
rm rc.receipt.tlog
check "a receipt without its proof still verifies" airseal-send verify-receipt -p st/station.pub rc.receipt
grep -q "carries no inclusion proof" "$T/.out" && ok "... and says it carries no inclusion proof" || not_ok "no-proof line"

# (a) an entry deleted from the end of the log: the chain alone verifies, the checkpoint not
cp -r st cut && n=$(wc -l < cut/custody.log) && head -n -1 st/custody.log > cut/custody.log
expect 1 "^airseal-recv: error: the custody log holds $((n - 1)) entries but its signed checkpoint covers $n: entries were removed$" \
    "a log with its last entry deleted fails verify" -- airseal-recv verify --station cut cut/custody.log
done_testing
