#!/usr/bin/env bash
# The main job over USB: pack -> import -> byte-for-byte comparison; receipt, custody log and
# vault entry verify; a second import changes nothing; split parts gathered from several
# folders; a passphrase-protected station and NGO key.
. "$AIRSEAL_ROOT/tests/lib.sh"

check "NGO keygen" airseal-send keygen -o ngo --no-passphrase
check "station init" airseal-recv init st --no-passphrase
check "station trusts the NGO" airseal-recv trust st add ngo.pub --name "Field NGO" --yes

# Evidence: nested folders, a 0-byte file, non-ASCII names, a 3 MB file.
mkdir -p ev/interviews/2023/Kharkiv ev/photos
printf 'witness W-17 statement\n' > ev/interviews/2023/Kharkiv/w17.txt
: > ev/interviews/empty.log
printf 'témoignage\n' > "ev/photos/Свидетель ñ 証言.txt"
head -c 3145728 /dev/urandom > ev/photos/video.bin
cp -a ev ev.orig

check "pack" airseal-send pack -r st/recipient.pub -s ngo.key -o out --case "ICC-01/22" \
    --collector "Field team 3" --note "Kharkiv, March 2023" ev
grep -q "^Sealed 4 files" "$T/.out" && ok "pack says what it sealed" || not_ok "pack summary"
for f in bundle.age bundle.age.minisig bundle.parity bundle.index README.txt; do
    [ -f "out/$f" ] && ok "OUTDIR has $f" || not_ok "OUTDIR lacks $f"
done
bundle=$(sed -n 's/^Bundle id: *//p' "$T/.out")
[ ${#bundle} = 32 ] && ok "bundle id is 128 bits of hex" || not_ok "bundle id '$bundle'"
diff -r ev ev.orig > /dev/null && ok "pack leaves the evidence untouched" || not_ok "evidence changed by pack"

check "import" airseal-recv import st out
grep -q "^Imported bundle $bundle (case ICC-01/22) from \"Field NGO\"" "$T/.out" && ok "import names bundle, case and NGO" || not_ok "import summary"
entry=st/vault/ICC-01%2F22/$bundle
diff -r ev "$entry/evidence/ev" > /dev/null && ok "imported evidence is identical byte for byte" || not_ok "imported evidence differs"
cmp -s out/bundle.age "$entry/bundle.age" && cmp -s out/bundle.age.minisig "$entry/bundle.age.minisig" \
    && ok "vault keeps the sealed file and signature bit for bit" || not_ok "vault copy differs"
[ -z "$(find "$entry" -type f -perm /222)" ] && ok "vault files are read-only" || not_ok "writable file in the vault"
[ -z "$(ls -A st/staging)" ] && ok "staging is empty after import" || not_ok "staging not empty"
need_clean st "no temporary files in the station"
grep -q "^collector: Field team 3$" "$entry/manifest.txt" && grep -q "^note: Kharkiv, March 2023$" "$entry/manifest.txt" \
    && ok "manifest carries collector and note" || not_ok "manifest header"

receipt=st/receipts/$bundle.receipt
for f in "$receipt" "$receipt.minisig" "$receipt.png"; do [ -f "$f" ] && ok "receipt file $(basename "$f")" || not_ok "no $f"; done
grep -q "^sealed-sha256: $(sha256sum out/bundle.age | cut -d' ' -f1)$" "$receipt" && ok "receipt carries the sealed file's digest" || not_ok "receipt digest"
grep -q "^signer: $(sed -n 's/^untrusted comment: minisign public key //p' ngo.pub)$" "$receipt" && ok "receipt names the signer key" || not_ok "receipt signer"
check "NGO verifies the receipt" airseal-send verify-receipt -p st/station.pub "$receipt"
check "NGO verifies the receipt against its bundle" airseal-send verify-receipt -p st/station.pub "$receipt" --bundle out
check "NGO verifies the receipt from its QR code" airseal-send verify-receipt -p st/station.pub "$receipt.png"
check "stock minisign verifies the receipt" minisign -V -p st/station.pub -m "$receipt"
check "auditor verifies the custody log" airseal-recv verify -p st/station.pub st/custody.log
check "auditor verifies the custody log with the station's trust audit" airseal-recv verify --station st st/custody.log
check "auditor verifies the vault entry" airseal-recv verify -p ngo.pub "$entry"
check "auditor verifies the bundle" airseal-recv verify -p ngo.pub out
check "auditor verifies the receipt" airseal-recv verify -p st/station.pub "$receipt"
grep -q " import bundle=$bundle " st/custody.log && ok "custody log has the import" || not_ok "import not logged"

# Importing again changes nothing.
cp -a st st.before
check "second import" airseal-recv import st out
grep -q "already in the vault" "$T/.out" && ok "second import reports already imported" || not_ok "second import text"
diff -r st st.before > /dev/null && ok "second import changed nothing" || not_ok "second import changed the station"

# Split parts, spread over two folders and renamed, import into a fresh station.
check "second station" airseal-recv init st2 --no-passphrase
check "second station trusts the NGO" airseal-recv trust st2 add ngo.pub --yes
check "pack --split 2M" airseal-send pack -r st2/recipient.pub -s ngo.key -o parts --split 2M --case split ev
n=$(ls parts | grep -c '\.part[0-9]')
[ "$n" -ge 3 ] && ok "split wrote $n part files" || not_ok "split wrote $n part files"
[ -z "$(find parts -type f -size +2097152c)" ] && ok "no file larger than the split size" || not_ok "file over the split size"
mkdir stick1 stick2
i=0
for f in parts/*; do
    if [ $((i % 2)) = 0 ]; then cp "$f" "stick1/renamed-$i"; else cp "$f" stick2/; fi
    i=$((i + 1))
done
check "import from parts on two sticks" airseal-recv import st2 stick1 stick2
b2=$(ls st2/vault/split)
diff -r ev "st2/vault/split/$b2/evidence/ev" > /dev/null && ok "split bundle imports identical" || not_ok "split bundle differs"

# A passphrase-protected station and NGO key.
printf 'correct horse battery staple\n' > pass && chmod 600 pass
check "protected NGO key" airseal-send keygen -o pngo --passphrase-file pass
check "protected station" airseal-recv init pst --passphrase-file pass
check "protected station trusts the NGO" airseal-recv trust pst add pngo.pub --yes --passphrase-file pass
check "pack with a protected key" airseal-send pack -r pst/recipient.pub -s pngo.key --passphrase-file pass -o pout ev/interviews
check "import into a protected station" airseal-recv import pst pout --passphrase-file pass
diff -r ev/interviews "pst/vault/unassigned/$(ls pst/vault/unassigned)/evidence/interviews" > /dev/null \
    && ok "protected round trip identical" || not_ok "protected round trip differs"
printf 'wrong\n' > wrong && chmod 600 wrong
cp -a pst pst.before
expect 1 "passphrase" "a wrong station passphrase is refused" -- airseal-recv import pst out --passphrase-file wrong
diff -r pst pst.before > /dev/null && ok "nothing changed after the wrong passphrase" || not_ok "station changed"

done_testing
