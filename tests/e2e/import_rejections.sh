#!/usr/bin/env bash
# Bundles the station must refuse, each with exit 1, one line saying what and why, and the
# station unchanged: vault, custody log, receipts, staging.
. "$AIRSEAL_ROOT/tests/lib.sh"

for k in ngoa ngob rogue; do check "keygen $k" airseal-send keygen -o $k --no-passphrase; done
check "station init" airseal-recv init st --no-passphrase
check "other station init" airseal-recv init st2 --no-passphrase
check "trust NGO A" airseal-recv trust st add ngoa.pub --name "NGO A" --yes
check "trust NGO B" airseal-recv trust st add ngob.pub --name "NGO B" --yes
keyid() { sed -n 's/^untrusted comment: minisign public key //p' "$1"; }
mkdir ev && head -c 300000 /dev/urandom > ev/video.bin && printf 'statement\n' > ev/s.txt
check "pack a good bundle" airseal-send pack -r st/recipient.pub -s ngoa.key -o good ev
state() { (cd st && find vault receipts staging -printf '%p %s %m\n' | LC_ALL=C sort && cat custody.log) | sha256sum; }
before=$(state)
unchanged() { [ "$(state)" = "$before" ] && ok "$1: station unchanged" || not_ok "$1: station changed"; }

# An unknown signer, named by its key id.
check "pack by an untrusted key" airseal-send pack -r st/recipient.pub -s rogue.key -o unknown ev
expect 1 "signed by key $(keyid rogue.pub), which this station does not trust" "unknown signer is rejected with its key id" -- airseal-recv import st unknown
unchanged "unknown signer"

# The sealed file tampered with, without parity to hide it.
mkdir tampered && cp good/bundle.age good/bundle.age.minisig tampered/ && flip_byte tampered/bundle.age 100000
expect 1 "signature verification failed" "tampered sealed file is rejected" -- airseal-recv import st tampered
unchanged "tampered"

# A forged signature: the base64 altered so it still decodes.
mkdir forged && cp good/bundle.age good/bundle.age.minisig forged/ && swap_b64_char forged/bundle.age.minisig 120
expect 1 "signature verification failed" "forged signature is rejected" -- airseal-recv import st forged
unchanged "forged"

# Stripped signature, re-signed by another trusted NGO with the same trusted comment.
mkdir resigned && cp good/bundle.age resigned/
minisign -S -s ngob.key -m resigned/bundle.age -t "$(sed -n 's/^trusted comment: //p' good/bundle.age.minisig)" > /dev/null
expect 1 "manifest signature \(must be by the bundle's signer\): signature was made by key $(keyid ngoa.pub), not by key $(keyid ngob.pub)" \
    "signature by another trusted key is rejected" -- airseal-recv import st resigned
unchanged "re-signed"

# A trusted comment changed and re-signed by the same NGO: the manifest no longer matches.
mkdir recomment && cp good/bundle.age recomment/
minisign -S -s ngoa.key -m recomment/bundle.age -t "$(sed -n 's/^trusted comment: //p' good/bundle.age.minisig | sed 's/case:[^ ]*/case:OTHER/')" > /dev/null
expect 1 "the manifest does not match the bundle signature: case id" "a signature whose case differs from the manifest is rejected" -- airseal-recv import st recomment
unchanged "re-commented"

# A bundle for another station.
check "pack for the other station" airseal-send pack -r st2/recipient.pub -s ngoa.key -o other ev
expect 1 "not encrypted to this station" "bundle for another station is rejected" -- airseal-recv import st other
unchanged "other station"

# Encrypted to this station, but its signed manifest names another: re-encrypted by someone.
check "craft a bundle re-encrypted to this station" python3 "$AIRSEAL_ROOT/tests/hostile/craft-bundle.py" good reenc ngoa "$(cat st/recipient.pub)" "$(cat st2/recipient.pub)"
expect 1 "this station is not among the bundle's recipients" "manifest naming another station is rejected" -- airseal-recv import st reenc
unchanged "re-encrypted"

# No signature at all, and a signature of another bundle.
mkdir nosig && cp good/bundle.age nosig/
expect 1 "no signature" "a bundle without its signature is rejected" -- airseal-recv import st nosig
check "pack a second bundle" airseal-send pack -r st/recipient.pub -s ngoa.key -o second ev
mkdir swapped && cp good/bundle.age swapped/ && cp second/bundle.age.minisig swapped/
expect 1 "signature verification failed" "another bundle's signature is rejected" -- airseal-recv import st swapped
unchanged "swapped signature"

# Mixed bundles in one import.
expect 1 "belong to different bundles|more than one bundle" "parts of two bundles are rejected" -- airseal-recv import st good second
unchanged "mixed"

# A key removed from the trust store no longer imports.
check "trust NGO C then remove it" airseal-recv trust st add rogue.pub --yes
check "remove it" airseal-recv trust st remove "$(keyid rogue.pub)"
before=$(state)
expect 1 "does not trust" "a removed key is rejected" -- airseal-recv import st unknown
unchanged "removed key"

# Usage errors.
expect 2 "usage|SOURCE" "import without a source is a usage error" -- airseal-recv import st
expect 2 "cannot read nowhere" "a missing source is a usage error" -- airseal-recv import st nowhere
expect 2 "ev is not an airseal station" "import into a folder that is not a station is a usage error" -- airseal-recv import ev good

# The good bundle still imports, and a replay changes nothing.
check "the good bundle imports" airseal-recv import st good
before=$(state)
check "replaying it" airseal-recv import st good
grep -q "already in the vault" "$T/.out" && ok "a replay is reported as already imported" || not_ok "replay text"
unchanged "replay"
# A replay re-signed with a fresh signature (same bundle, new signature file) is still the same bundle.
mkdir replay2 && cp good/bundle.age replay2/ && minisign -S -s ngoa.key -m replay2/bundle.age -t "$(sed -n 's/^trusted comment: //p' good/bundle.age.minisig)" > /dev/null
check "a replay with a fresh signature" airseal-recv import st replay2
grep -q "already in the vault" "$T/.out" && ok "fresh-signature replay is already imported" || not_ok "fresh-signature replay text"
unchanged "fresh-signature replay"
check "custody log verifies" airseal-recv verify --station st st/custody.log

done_testing
