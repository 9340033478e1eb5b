#!/usr/bin/env bash
# --json on import, verify and verify-receipt: one object on stdout that python3 -m json.tool
# parses, carrying the verdict, the ids and the digests; each field is checked against what
# the other side of the job knows independently (pack's output, sha256sum, the receipt file,
# the trusted comment, keygen's fingerprint). Failures carry their kind and message too, and
# still print the one error line on stderr.
. "$AIRSEAL_ROOT/tests/lib.sh"

# jfield FILE PATH: the value at PATH ("a.b.c") of the JSON object in FILE, printed as JSON
# (strings without quotes); "MISSING" when absent.
jfield() {
    python3 - "$1" "$2" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split('.'):
    if not isinstance(v, dict) or k not in v:
        print("MISSING"); sys.exit(0)
    v = v[k]
print(v if isinstance(v, str) else json.dumps(v))
PY
}

# jcheck FILE DESC PATH=VALUE...: every PATH must hold VALUE.
jcheck() {
    local f=$1 desc=$2 bad="" kv k v got
    shift 2
    for kv in "$@"; do
        k=${kv%%=*} v=${kv#*=}
        got=$(jfield "$f" "$k")
        [ "$got" = "$v" ] || bad="$bad $k='$got' (want '$v')"
    done
    [ -z "$bad" ] && ok "$desc" || not_ok "$desc:$bad"
}

# parses FILE DESC: the whole of stdout is one JSON object.
parses() {
    if python3 -m json.tool "$1" > /dev/null 2> "$T/.jerr" && [ "$(wc -l < "$1")" = 1 ]; then
        ok "$2: stdout is one line of JSON that json.tool parses"
    else
        not_ok "$2: not one JSON object: $(head -c 200 "$1") $(cat "$T/.jerr")"
    fi
}

airseal-send keygen -o ngo --no-passphrase > keygen.out
fp=$(sed -n 's/^Fingerprint: //p' keygen.out)
kid=$(sed -n 's/^Key id: *//p' keygen.out)
check "init" airseal-recv init st --no-passphrase
sid=$(sed -n 's/^Station id: *//p' "$T/.out")
check "trust" airseal-recv trust st add ngo.pub --name 'Field "team" 3' --yes
mkdir -p ev/photos && head -c 100000 /dev/urandom > ev/photos/p1.jpg && printf 'témoignage\n' > "ev/déclaration.txt"
airseal-send pack -r st/recipient.pub -s ngo.key -o b --case 'ICC-01/22' ev > pack.out
bid=$(sed -n 's/^Bundle id: *//p' pack.out)
sealed_sha=$(sha256sum b/bundle.age | cut -d' ' -f1)
sealed_size=$(stat -c %s b/bundle.age)
manifest_sha=$(minisign -V -p ngo.pub -m b/bundle.age | sed -n 's/.* manifest:\([0-9a-f]*\).*/\1/p')
[ -n "$bid" ] && [ ${#manifest_sha} = 64 ] && ok "pack and stock minisign give the ids to compare" || not_ok "no bundle id or manifest digest"

# 1. import, new
airseal-recv import --json st b > imp.json 2> imp.err
rc=$?
[ "$rc" = 0 ] && [ ! -s imp.err ] && ok "import --json: exit 0, nothing on stderr" || not_ok "import --json: exit $rc, $(cat imp.err)"
parses imp.json "import"
jcheck imp.json "import: verdict, exit status and the station" \
    airseal=import format=1 ok=true verdict=imported exit_status=0 station="$sid"
jcheck imp.json "import: bundle id, case, counts and both digests" \
    bundle.id="$bid" bundle.case=ICC-01/22 bundle.files=2 bundle.bytes=100012 \
    bundle.sealed_size="$sealed_size" bundle.sealed_sha256="$sealed_sha" bundle.manifest_sha256="$manifest_sha"
jcheck imp.json "import: signer key id, label (quotes escaped) and keygen's fingerprint" \
    signer.key_id="$kid" 'signer.label=Field "team" 3' signer.fingerprint="$fp"
rcpt="st/receipts/$bid.receipt"
entry=$(sed -n 's/^custody-entry: //p' "$rcpt")
jcheck imp.json "import: transport, repairs, vault entry, receipt and custody entry" \
    transport=usb repaired_blocks=0 "vault_entry=st/vault/ICC-01%2F22/$bid" receipt="$rcpt" \
    custody_entry="$entry" qr=MISSING
[ -d "$(jfield imp.json vault_entry)" ] && ok "import: vault_entry names the folder that exists" || not_ok "vault_entry is not a folder"

# 2. import again: nothing changes, and the verdict says so
airseal-recv import --json st b > again.json
jcheck again.json "import again: verdict already-in-vault, same entry" \
    ok=true verdict=already-in-vault custody_entry="$entry" bundle.id="$bid"

# 3. import rejected: a bundle signed by a key the station does not trust
airseal-send keygen -o other --no-passphrase > /dev/null
airseal-send pack -r st/recipient.pub -s other.key -o b2 ev > /dev/null
cp st/custody.log log.before
airseal-recv import --json st b2 > rej.json 2> rej.err
rc=$?
parses rej.json "rejected import"
jcheck rej.json "rejected import: verdict, exit status 1 and the error's kind" \
    airseal=import ok=false verdict=rejected exit_status=1 error.kind=key-error station_dir=st
[ "$rc" = 1 ] && [ "$(wc -l < rej.err)" = 1 ] && [ "$(jfield rej.json error.message)" = "$(sed 's/^airseal-recv: error: //' rej.err)" ] \
    && ok "rejected import: exit 1, and the message is the one stderr line" || not_ok "rejected import: exit $rc, stderr $(cat rej.err)"
cmp -s log.before st/custody.log && ok "rejected import: custody log unchanged" || not_ok "log changed"

# 4. import from QR frames, with a frame lost, and an incomplete scan
airseal-send pack -r st/recipient.pub -s ngo.key -o qb --case QR-9 ev/déclaration.txt > qpack.out
qbid=$(sed -n 's/^Bundle id: *//p' qpack.out)
check "qr" airseal-send qr qb -o fr
n=$(ls fr/frame-*.png | wc -l)
mkdir few && cp fr/frame-00001.png few/
airseal-recv import --json st few > inc.json 2> inc.err
rc=$?
parses inc.json "incomplete QR import"
jcheck inc.json "incomplete QR import: verdict incomplete, exit 1, kind incomplete" \
    ok=false verdict=incomplete exit_status=1 error.kind=incomplete
[ "$(jfield inc.json missing_frames)" != MISSING ] && [ -d "$(jfield inc.json scan_cache)" ] \
    && ok "incomplete QR import: names the missing frames ($(jfield inc.json missing_frames)) and the scan cache" \
    || not_ok "no missing_frames / scan_cache: $(cat inc.json)"
rm fr/frame-00001.png fr/frame-00002.png
airseal-recv import --json st fr > qr.json
jcheck qr.json "QR import: imported over qr, one frame repaired" \
    ok=true verdict=imported transport=qr bundle.id="$qbid" bundle.case=QR-9 repaired_blocks=1
jcheck qr.json "QR import: frame counters (frame 1 from the earlier scan; its missing.txt is no frame)" \
    qr.images=$((n - 2)) qr.codes=$((n - 2)) qr.from_earlier_scans=1 qr.duplicates=0 qr.corrupt=0 qr.other_bundles=0 \
    qr.total_blocks="$n"

# 5. verify: bundle, receipt, custody log, vault entry
airseal-recv verify --json --station st b > vb.json
parses vb.json "verify bundle"
jcheck vb.json "verify bundle: kind, verdict, ids, digests and signer" \
    airseal=verify kind=bundle ok=true verdict=verified exit_status=0 target=b \
    bundle.id="$bid" bundle.case=ICC-01/22 bundle.sealed_sha256="$sealed_sha" \
    bundle.manifest_sha256="$manifest_sha" signer.key_id="$kid" signer.fingerprint="$fp"
airseal-recv verify --json -p st/station.pub "$rcpt" > vr.json
jcheck vr.json "verify receipt: every receipt field" \
    kind=receipt verdict=verified receipt.station="$sid" receipt.bundle="$bid" receipt.case=ICC-01/22 \
    receipt.signer="$kid" receipt.sealed_size="$sealed_size" receipt.sealed_sha256="$sealed_sha" \
    receipt.manifest_sha256="$manifest_sha" receipt.files=2 receipt.bytes=100012 \
    receipt.custody_entry="$entry" receipt.imported="$(sed -n 's/^imported: //p' "$rcpt")"
airseal-recv verify --json -p st/station.pub st/custody.log > vl.json
entries=$(wc -l < st/custody.log)
head_sha=$(tail -n 1 st/custody.log | tr -d '\n' | sha256sum | cut -d' ' -f1)
jcheck vl.json "verify custody log: entries, imports and the head digest" \
    kind=custody-log verdict=verified custody_log.station="$sid" custody_log.entries="$entries" \
    custody_log.imports=2 custody_log.last_entry_sha256="$head_sha"
airseal-recv verify --json -p ngo.pub "st/vault/ICC-01%2F22/$bid" > vv.json
jcheck vv.json "verify vault entry: ids, counts checked, signer" \
    kind=vault-entry verdict=verified bundle.id="$bid" bundle.manifest_sha256="$manifest_sha" \
    files_checked=2 bytes_checked=100012 signer.key_id="$kid" signer.fingerprint="$fp"

# 6. verify failing: a tampered log entry, a wrong key
cp st/custody.log bad.log
sed -i '2s/label=/label=X/' bad.log
airseal-recv verify --json -p st/station.pub bad.log > vf.json 2> vf.err
rc=$?
parses vf.json "failed verify"
jcheck vf.json "failed verify: not-verified, exit 1, error kind" \
    kind=custody-log ok=false verdict=not-verified exit_status=1 error.kind=rejected
[ "$rc" = 1 ] && [ "$(wc -l < vf.err)" = 1 ] && grep -q "entry 2" vf.err && [ "$(jfield vf.json error.message)" = "$(sed 's/^airseal-recv: error: //' vf.err)" ] \
    && ok "failed verify: exit 1, one line on stderr naming entry 2, the same message in the JSON" || not_ok "exit $rc: $(cat vf.err)"
airseal-recv verify --json -p ngo.pub nothere > vn.json 2> /dev/null
jcheck vn.json "verify of a missing target: usage error, exit 2" ok=false verdict=usage-error exit_status=2 kind=null

# 7. verify-receipt on the NGO side
airseal-send verify-receipt --json -p st/station.pub "$rcpt" --bundle b > vsr.json
parses vsr.json "verify-receipt"
jcheck vsr.json "verify-receipt: verdict, receipt fields and the matching bundle" \
    airseal=verify-receipt ok=true verdict=verified receipt.bundle="$bid" receipt.sealed_sha256="$sealed_sha" \
    receipt.signer="$kid" receipt.custody_entry="$entry" matches_bundle=b
airseal-send verify-receipt --json -p st/station.pub "$rcpt.png" > vsp.json
jcheck vsp.json "verify-receipt from the QR photo: same fields" \
    verdict=verified receipt.bundle="$bid" receipt.manifest_sha256="$manifest_sha"
airseal-send verify-receipt --json -p st/station.pub "$rcpt" --bundle b2 > vsw.json 2> /dev/null
jcheck vsw.json "verify-receipt for another bundle: not-verified, exit 1" \
    ok=false verdict=not-verified exit_status=1 error.kind=rejected
airseal-send verify-receipt --json -p ngo.pub "$rcpt" > vsk.json 2> /dev/null
jcheck vsk.json "verify-receipt with the wrong key: not-verified" ok=false verdict=not-verified exit_status=1

# A bundle folder whose index is gone or damaged cannot prove "byte for byte": an error, not a match.
cp -r b noindex && rm noindex/bundle.index
expect 2 "cannot open noindex/bundle.index" "verify-receipt --bundle without bundle.index fails" -- \
    airseal-send verify-receipt -p st/station.pub "$rcpt" --bundle noindex
cp -r b badindex && echo junk > badindex/bundle.index
expect 1 "damaged bundle.index" "verify-receipt --bundle with a damaged bundle.index fails" -- \
    airseal-send verify-receipt -p st/station.pub "$rcpt" --bundle badindex

# 8. without --json, stdout has no JSON
airseal-recv verify -p st/station.pub st/custody.log > plain.out
grep -q '^OK: custody log' plain.out && ! grep -q '{' plain.out && ok "without --json: the plain sentence, no JSON" || not_ok "plain output changed"
done_testing
