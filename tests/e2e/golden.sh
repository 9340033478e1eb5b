#!/usr/bin/env bash
# The golden bundle and station (tests/vectors/airseal/, made with the format of 2026-12-02):
# every later version must still import and verify them, and stock minisign, tar and age must
# still read them. A change that breaks an old station or an old bundle fails here.
. "$AIRSEAL_ROOT/tests/lib.sh"
G=$AIRSEAL_ROOT/tests/vectors/airseal
ID=f912e50c97565780ac50e489d40f5c41
ENTRY=vault/ICC-GOLDEN%2F01/$ID

# golden_copy NAME: a working copy of the golden folder NAME in $T/NAME, with the modes and
# empty folders git does not keep restored from modes.txt (deepest first, so read-only
# vault folders are filled before they are closed).
golden_copy() {
    cp -r "$G/$1" "$T/$1"
    grep -E " d $1(/|$)" "$G/modes.txt" | while read -r _ _ p; do mkdir -p "$T/$p"; done
    grep " f $1/" "$G/modes.txt" | while read -r _ _ p; do [ -e "$T/$p" ] || : > "$T/$p"; done
    grep -E " [df] $1(/|$)" "$G/modes.txt" | sort -k3 -r | while read -r m _ p; do chmod "$m" "$T/$p"; done
}
# json_golden NAME CMD...: CMD's --json object, with $T written @T@, must equal json/NAME.json.
json_golden() {
    local name=$1; shift
    "$@" > "$name.json" 2> "$name.err"
    sed -i "s|$T|@T@|g" "$name.json"
    if cmp -s "$name.json" "$G/json/$name.json"; then ok "$name: --json result byte for byte as in json/$name.json"; else
        not_ok "$name: --json result differs from json/$name.json"; diff "$G/json/$name.json" "$name.json" | sed 's/^/#   /' | head -6; fi
}
for d in station station-pre-import keys usb usb-split frames; do golden_copy $d; done
chmod 600 keys/*.key
S=station

# The USB bundle into the station that already holds it: nothing changes.
before=$(station_state $S)
check "import of the golden bundle into the golden station" airseal-recv import $S usb
grep -q "already in the vault" .out .err && ok "it says the bundle is already in the vault" || not_ok "no 'already in the vault'"
[ "$(station_state $S)" = "$before" ] && ok "the golden station is unchanged byte for byte" || not_ok "the golden station changed"
json_golden import-already airseal-recv import $S usb --json

# The same bundle into the station as it was before the import.
check "import into the pre-import station" airseal-recv import station-pre-import usb
cmp -s station-pre-import/$ENTRY/manifest.txt $S/$ENTRY/manifest.txt && diff -r station-pre-import/$ENTRY $S/$ENTRY > /dev/null &&
    ok "the vault entry equals the golden one" || not_ok "the vault entry differs from the golden one"
[ "$(wc -l < station-pre-import/custody.log)" = 4 ] && head -3 station-pre-import/custody.log | cmp -s - <(head -3 $S/custody.log) &&
    ok "the log gained one import entry after the golden entries" || not_ok "the log is not the golden one plus an import"
sed -n 4p station-pre-import/custody.log | grep -q " import bundle=$ID case=ICC-GOLDEN/01 " && ok "the entry records the golden bundle" || not_ok "import entry"
cmp -s <(grep -v '^imported:' station-pre-import/receipts/$ID.receipt) <(grep -v '^imported:' $S/receipts/$ID.receipt) &&
    ok "the new receipt equals the golden one but for its time" || not_ok "the new receipt differs from the golden one"
fresh() { chmod -R u+w station-pre-import && rm -rf station-pre-import && golden_copy station-pre-import; }
fresh
json_golden import-fresh airseal-recv import station-pre-import usb --json

# The QR frames of the same bundle, and the split USB bundle (its own case).
fresh
check "import of the golden QR frames into the pre-import station" airseal-recv import station-pre-import frames
diff -r station-pre-import/$ENTRY $S/$ENTRY > /dev/null && ok "the QR import gives the golden vault entry" || not_ok "QR vault entry differs"
check "import of the golden split bundle" airseal-recv import station-pre-import usb-split

# Verify: the log, the vault entry, the receipt, the bundle; the sender's receipt check.
check "verify the golden custody log" airseal-recv verify --station $S $S/custody.log
check "verify the golden vault entry" airseal-recv verify --station $S $S/$ENTRY
check "verify the golden receipt" airseal-recv verify --station $S $S/receipts/$ID.receipt
check "verify the golden bundle" airseal-recv verify --station $S usb
check "verify-receipt of the golden receipt" airseal-send verify-receipt -p $S/station.pub $S/receipts/$ID.receipt
check "verify-receipt of the golden receipt's QR photo" airseal-send verify-receipt -p $S/station.pub $S/receipts/$ID.receipt.png
json_golden verify-log airseal-recv verify --station $S --json $S/custody.log
json_golden verify-entry airseal-recv verify --station $S --json $S/$ENTRY
json_golden verify-receipt-recv airseal-recv verify --station $S --json $S/receipts/$ID.receipt
json_golden verify-receipt airseal-send verify-receipt -p $S/station.pub --json $S/receipts/$ID.receipt

# Stock tools on the golden files.
check "minisign -V: the bundle" minisign -V -q -p keys/TEST-ONLY-ngo.pub -m usb/bundle.age
check "minisign -V: the receipt" minisign -V -q -p $S/station.pub -m $S/receipts/$ID.receipt
check "minisign -V: the manifest in the vault" minisign -V -q -p keys/TEST-ONLY-ngo.pub -m $S/$ENTRY/manifest.txt
check "age -d with the station identity" age -d -i $S/identity.txt -o bundle.tar usb/bundle.age
check "tar lists the archive" tar -tf bundle.tar
tar -xf bundle.tar -C "$(mkdir -p x && echo x)" 2> /dev/null && diff -r x/evidence $S/$ENTRY/evidence > /dev/null &&
    cmp -s x/manifest.txt $S/$ENTRY/manifest.txt && ok "tar gives the golden evidence and manifest" || not_ok "tar's files differ from the vault's"
tail -c +513 usb-split/bundle.age.part001 > joined.age
age -d -i $S/identity.txt joined.age > /dev/null 2>&1 && minisign -V -q -p keys/TEST-ONLY-ngo.pub -m joined.age -x usb-split/bundle.age.minisig &&
    ok "the split part's payload is a bundle age and minisign accept" || not_ok "the split part's payload is not the signed bundle"

# Damaged golden inputs (one table: name, maker, status, line, command). Each maker works in
# a fresh copy (d/); the golden station copies must be unchanged byte for byte afterwards.
mk_log() { sed -i '2s/Golden%20field/Golden%20feld/' d/station/custody.log; }
mk_receipt() { sed -i 's/^files: 2$/files: 3/' d/station/receipts/$ID.receipt; }
mk_evidence() { chmod u+w d/station/$ENTRY/evidence d/station/$ENTRY/evidence/statement.txt && printf 'X' >> d/station/$ENTRY/evidence/statement.txt; }
mk_foreign_sig() { rm d/usb/bundle.index && cp usb-split/bundle.age.minisig d/usb/bundle.age.minisig; }
mk_conf() { sed -i 's/^station-id: .*/station-id: 0000000000000000/' d/station/station.conf; }
CASES=(
    "log entry changed|mk_log|1|^airseal-recv: error: custody log entry 2 \(line 2\): signature does not verify \(entry modified\)$|airseal-recv verify --station d/station d/station/custody.log"
    "receipt field changed|mk_receipt|1|^airseal-send: error: signature verification failed \(data modified or signature forged\)$|airseal-send verify-receipt -p d/station/station.pub d/station/receipts/$ID.receipt"
    "vault evidence changed|mk_evidence|1|^airseal-recv: error: evidence/statement\.txt does not match the manifest \(size\)$|airseal-recv verify --station d/station d/station/$ENTRY"
    "signature of another bundle|mk_foreign_sig|1|^airseal-recv: error: the sources hold more than one bundle \($ID, and 968d2fbc14b43af7990d58000cd725ba in d/usb/bundle\.age\.minisig\); import one bundle at a time$|airseal-recv import station-pre-import d/usb"
    "station.conf id changed|mk_conf|1|^airseal-recv: error: d/station: station key id B075A0EB38158F3C does not match station\.conf \(0000000000000000\)$|airseal-recv import d/station usb"
)
fresh
pre_before=$(station_state station-pre-import) st_before=$(station_state $S)
for row in "${CASES[@]}"; do
    IFS='|' read -r name maker status line cmd <<< "$row"
    chmod -R u+w d 2> /dev/null; rm -rf d && mkdir d && cp -r $S usb d/ && $maker
    d_before=$(station_state d/station)
    /usr/bin/time -f '%e s %M KiB' -o time.out true
    expect "$status" "$line" "golden, $name: refused" -- /usr/bin/time -f '%e s %M KiB' -a -o time.out $cmd
    diag "golden, $name: $(tail -1 time.out)"
    [ "$(station_state station-pre-import)" = "$pre_before" ] && [ "$(station_state $S)" = "$st_before" ] &&
        [ "$(station_state d/station)" = "$d_before" ] && ok "golden, $name: stations unchanged byte for byte" ||
        not_ok "golden, $name: a station changed"
done
done_testing
