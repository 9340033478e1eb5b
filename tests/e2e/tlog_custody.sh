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
airseal-send verify-receipt -p st/station.pub "$r" --json > vr.json
python3 -c "import json,sys; d=json.load(open('vr.json')); sys.exit(0 if d['ok'] and d['inclusion_proof_tree_size'] >= d['receipt']['custody_entry'] else 1)" && ok "--json carries inclusion_proof_tree_size" || not_ok "json: $(cat vr.json)"
# a crash after the entry but before its proof: the rerun writes the proof and the QR code
rm "$r.tlog" "$r.png"
b=$(grep -l "$(sed -n 's/^bundle: //p' "$r")" b*/README.txt | head -1)
check "re-import of a bundle whose proof is missing" airseal-recv import st "$(dirname "$b")"
[ -f "$r.tlog" ] && [ -f "$r.png" ] && ok "the proof and the QR code are written again" || not_ok "proof not rewritten"
check "verify-receipt of the receipt's QR code" airseal-send verify-receipt -p st/station.pub "$r.png"
grep -q "^    Inclusion proof: the entry is in the station's signed custody log of [0-9]* entries.$" "$T/.out" && ok "the QR code carries the receipt and its inclusion proof" || not_ok "QR inclusion line"
zbarimg -q --raw "$r.png" 2> /dev/null | grep -qx 'c2sp.org/tlog-proof@v1' && ok "stock zbarimg reads the proof in the QR code" || not_ok "zbarimg"
check "the station's verify reads the QR code too" airseal-recv verify --station st "$r.png"
check "the full audit verifies chain and tree" airseal-recv verify --station st st/custody.log
grep -qx "    Merkle tree: the root of entries 1 to 5 matches the station's signed checkpoint." "$T/.out" && ok "verify names the signed tree it checked" || not_ok "verify tree line: $(cat "$T/.out")"

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

# --- an auditor checks one entry, seeing no other
check "log prove writes one entry's proof" airseal-recv log st prove 3 -o e3.proof
python3 - st/custody.log e3.proof <<'PY' && ok "the proof holds entry 3's line exactly, and no other entry" || not_ok "proof content"
import base64, sys
line = open(sys.argv[1]).read().split('\n')[2]
proof = open(sys.argv[2]).read()
extra = [l for l in proof.split('\n') if l.startswith('extra ')]
assert len(extra) == 1 and base64.b64decode(extra[0][6:]).decode() == line
others = open(sys.argv[1]).read().split('\n')
assert all(o[-20:] not in proof for o in others if o and o != line)
PY
check "verify-entry with the station's public key alone" airseal-send verify-entry -p st/station.pub e3.proof
grep -qE "^OK: custody log entry 3 \(import, [0-9T:-]+Z\) is in the station's signed log of [0-9]+ entries.$" "$T/.out" && grep -qx "    case: TL-1" "$T/.out" && ok "it prints the entry" || not_ok "verify-entry output"
sed 's/^index 2$/index 3/' e3.proof > e3.bad
expect 1 "^airseal-send: error: inclusion proof: " "verify-entry: another index is refused" -- airseal-send verify-entry -p st/station.pub e3.bad
check "another station's key" airseal-recv init st2 --no-passphrase
expect 1 "^airseal-send: error: inclusion proof: " "verify-entry: another station's key is refused" -- airseal-send verify-entry -p st2/station.pub e3.proof
expect 2 "ENTRY must be a custody log entry number" "log prove: a bad entry number is a usage error" -- airseal-recv log st prove x -o e.x
expect 2 "custody log entry 99 is not in the signed tree" "log prove: an entry beyond the log" -- airseal-recv log st prove 99 -o e.99

# --- a station from before the tree: the golden station keeps importing, then migrates once
G=$AIRSEAL_ROOT/tests/vectors/airseal
cp -r "$G/station-pre-import" old && mkdir -p old/vault old/staging old/receipts && chmod 700 old/vault old/staging && chmod 600 old/identity.txt old/station.key
cp "$G/keys/TEST-ONLY-ngo.key" gngo.key && cp "$G/keys/TEST-ONLY-ngo.pub" gngo.pub && chmod 600 gngo.key
check "the old station's log verifies as a chain" airseal-recv verify --station old old/custody.log
grep -q "^    No signed checkpoint: a custody log from before the Merkle tree" "$T/.out" && ok "verify says the old log has no checkpoint yet" || not_ok "old verify line"
[ ! -e old/custody.checkpoint ] && ok "no checkpoint before the migration" || not_ok "checkpoint appeared"
mkdir -p oev && echo old > oev/a.txt
check "pack for the old station" airseal-send pack -r old/recipient.pub -s gngo.key -o ob1 --case OLD-1 oev
check "the old station imports as before" airseal-recv import old ob1
ro=$(ls old/receipts/*.receipt | head -1)
[ ! -e "$ro.tlog" ] && ok "no proof from a station before the tree" || not_ok "unexpected proof"
check "its receipt verifies" airseal-send verify-receipt -p old/station.pub "$ro"
grep -q "This receipt carries no inclusion proof" "$T/.out" && ok "... saying it carries no inclusion proof" || not_ok "old receipt line"
n=$(wc -l < old/custody.log)
check "log migrate" airseal-recv log old migrate
grep -qx "The custody log of old is a Merkle tree log now: its $n entries are the first leaves, and entry $((n + 1)) (tlog-start) records the migration." "$T/.out" && ok "migrate names what it carried" || not_ok "migrate output: $(cat "$T/.out")"
tail -1 old/custody.log | grep -qE "^$((n + 1)) [0-9T:-]+Z tlog-start entries=$n tree=rfc6962 prev=" && ok "the tlog-start entry records it" || not_ok "tlog-start entry"
head -n 3 old/custody.log | cmp -s - "$G/station-pre-import/custody.log" && ok "the old entries are untouched (append only)" || not_ok "old entries changed"
check "the migrated log verifies, chain and tree" airseal-recv verify --station old old/custody.log
expect 1 "is a Merkle tree log already$" "a second migrate is refused" -- airseal-recv log old migrate
check "an old entry is proven" airseal-recv log old prove 1 -o o1.proof
check "... and verifies" airseal-send verify-entry -p old/station.pub o1.proof
check "pack again" airseal-send pack -r old/recipient.pub -s gngo.key -o ob2 --case OLD-2 oev
check "the migrated station imports" airseal-recv import old ob2
ro2=$(grep -l "case: OLD-2" old/receipts/*.receipt)
check "its new receipt verifies with the proof" airseal-send verify-receipt -p old/station.pub "$ro2"
grep -q "Inclusion proof" "$T/.out" && ok "the new receipt carries an inclusion proof" || not_ok "no proof after migration"
rm old/custody.checkpoint
expect 1 "custody.checkpoint is missing, but the custody log is a Merkle tree log$" "after the migration the checkpoint is required" -- airseal-recv verify --station old old/custody.log
done_testing
