#!/usr/bin/env bash
# A new station is post-quantum (age mlkem768x25519) by default, end to end: init -> pack
# (to recipient.pub, its QR code and photos of it) -> USB and QR import -> receipt ->
# verify-receipt -> auditor. Classical stations, old and new, keep working; the two kinds are
# not mixed without being asked; hostile inputs aimed at the hybrid station are refused with one
# line and leave it unchanged byte for byte.
. "$AIRSEAL_ROOT/tests/lib.sh"
CRAFT="python3 $AIRSEAL_ROOT/tests/hostile/craft-bundle.py"
MEASURE="$T/measure.txt"
: > "$MEASURE"
fp() { grep -oE '[0-9]{5}( [0-9]{5}){5}' "$1" | sed -n "${2:-1}p"; }

check "NGO keygen" airseal-send keygen -o ngo --no-passphrase
minisign -G -W -p sngo.pub -s sngo.key > /dev/null 2>&1 && ok "stock minisign makes a second NGO key" || not_ok "minisign -G"
printf 'correct horse battery staple\n' > pass.txt && chmod 600 pass.txt

# --- 1. init makes a hybrid station by default
check "init (default)" airseal-recv init st --no-passphrase
cp "$T/.out" init.out
init_fp=$(fp init.out 1)
grep -qx 'Recipient type:    post-quantum hybrid (mlkem768x25519)' init.out && ok "init says the station is post-quantum" || not_ok "init recipient type line"
grep -qE '^Encrypt to:        age1pq1[02-9ac-hj-np-z]{1952}$' init.out && ok "init prints the age1pq1 recipient" || not_ok "init recipient line"
[ "$(wc -l < st/recipient.pub)" = 1 ] && grep -qE '^age1pq1[02-9ac-hj-np-z]{1952}$' st/recipient.pub && ok "recipient.pub: one age1pq1 line of 1,959 characters" || not_ok "recipient.pub format"
grep -qx 'recipient-type: mlkem768x25519' st/station.conf && grep -qx "recipient: $(cat st/recipient.pub)" st/station.conf && ok "station.conf records the hybrid recipient and its type" || not_ok "station.conf"
grep -qE '^AGE-SECRET-KEY-PQ-1[02-9AC-HJ-NP-Z]{58}$' st/identity.txt && [ "$(stat -c %a st/identity.txt)" = 600 ] && ok "identity.txt: AGE-SECRET-KEY-PQ-1, mode 0600" || not_ok "identity.txt"
grep -q "^# public key: $(cat st/recipient.pub)$" st/identity.txt && ok "identity.txt names its public key as age-keygen does" || not_ok "identity.txt comment"
check "init --passphrase-file (hybrid)" airseal-recv init pst --passphrase-file pass.txt
[ -f pst/identity.age ] && [ ! -e pst/identity.txt ] && grep -qx 'recipient-type: mlkem768x25519' pst/station.conf && ok "a protected hybrid station keeps identity.age only" || not_ok "protected hybrid station files"
ptyrun -a "correct horse battery staple" -- age -d -o pid.txt pst/identity.age > /dev/null 2>&1
grep -qE '^AGE-SECRET-KEY-PQ-1' pid.txt && ok "stock age opens identity.age with the passphrase: a PQ identity inside" || not_ok "identity.age plaintext"
check "init --classical" airseal-recv init cst --classical --no-passphrase
grep -qx 'Recipient type:    classical (X25519), not post-quantum' "$T/.out" && ! grep -q recipient-type cst/station.conf && grep -qE '^age1[02-9ac-hj-np-z]{58}$' cst/recipient.pub && ok "--classical: an age1 station, station.conf as before" || not_ok "classical station"
check "another hybrid station" airseal-recv init other --no-passphrase
for s in st cst other; do check "$s trusts the NGO" airseal-recv trust $s add ngo.pub --yes; done
check "pst trusts the NGO" airseal-recv trust pst add ngo.pub --yes --passphrase-file pass.txt
for s in st cst; do check "$s trusts the second NGO" airseal-recv trust $s add sngo.pub --yes --name "NGO S"; done

# --- 2. fingerprints cover the whole hybrid key, the same digits everywhere
check "fingerprint recipient.pub" airseal-send fingerprint st/recipient.pub
[ "$(fp "$T/.out")" = "$init_fp" ] && grep -q "station encryption key (post-quantum hybrid) age1pq1" "$T/.out" && ok "fingerprint verb agrees with init" || not_ok "fingerprint of recipient.pub"
check "fingerprint recipient.png" airseal-recv fingerprint st/recipient.png
[ "$(fp "$T/.out")" = "$init_fp" ] && ok "recipient.png has the same fingerprint" || not_ok "fingerprint of recipient.png"
check "fingerprint of the upper-case string" airseal-send fingerprint "$(tr a-z A-Z < st/recipient.pub)"
[ "$(fp "$T/.out")" = "$init_fp" ] && ok "upper-case Bech32 is the same key" || not_ok "upper-case fingerprint"
check "fingerprint of another hybrid station" airseal-send fingerprint other/recipient.pub
[ "$(fp "$T/.out")" != "$init_fp" ] && ok "another hybrid station has other digits" || not_ok "fingerprints collide"
expect 1 "^airseal-send: error: not a valid age hybrid recipient \(expected age1pq1\.\.\.\)$" "mixed-case age1pq1 string refused" -- \
    airseal-send fingerprint "AGE1PQ1$(cut -c8- st/recipient.pub)"

# --- 3. recipient.png: alphanumeric upper-case Bech32, read from photos of a screen and of paper
zbarimg -q --raw st/recipient.png > z.txt 2> /dev/null
[ "$(cat z.txt)" = "$(tr a-z A-Z < st/recipient.pub)" ] && ok "stock zbarimg reads recipient.png: the upper-case recipient" || not_ok "zbarimg recipient.png"
w=$(identify -format %w st/recipient.png)
[ "$w" = 1160 ] && ok "recipient.png: version 30 (137 modules + quiet zone, 8 px each)" || not_ok "recipient.png is $w px wide"
# photo NAME|ImageMagick operations: a phone photo of the screen (scaled, tilted, soft, JPEG,
# sensor noise), of a printed page (grey paper, smaller, more blur and noise) and a far shot.
# The noise is seeded: at 55% with unseeded noise about 3 photos in 100 defeated zbarimg too
# (the picture, not the reader, was unreadable), which made this test flaky; at 60% none of
# 100 fresh keys with 100 seeds failed.
PHOTOS=(
    "screen|-seed 1 -resize 70% -rotate 4 -blur 0x1 -attenuate 0.3 +noise Gaussian -quality 60"
    "paper|-seed 2 -level 0%,100%,0.8 +level 12%,88% -resize 60% -rotate -3 -blur 0x1.3 -attenuate 0.5 +noise Gaussian -quality 50"
    "far|-resize 42% -rotate 2 -blur 0x0.7 -quality 70"
)
for row in "${PHOTOS[@]}"; do
    IFS='|' read -r name ops <<< "$row"
    # shellcheck disable=SC2086
    convert st/recipient.png -background white $ops "$name.jpg"
    if /usr/bin/time -o t.txt -f '%e s %M KiB' airseal-send fingerprint "$name.jpg" > f.txt 2> /dev/null && [ "$(fp f.txt)" = "$init_fp" ]; then
        ok "airseal reads the $name photo ($(identify -format %wx%h "$name.jpg"); $(cat t.txt))"
    else
        not_ok "airseal cannot read the $name photo"
    fi
    [ "$(zbarimg -q --raw "$name.jpg" 2> /dev/null)" = "$(tr a-z A-Z < st/recipient.pub)" ] && ok "stock zbarimg reads the $name photo" || not_ok "zbarimg cannot read the $name photo"
done

# --- 4. end to end with the hybrid station: pack to a photo of the QR code, USB and QR import
mkdir -p ev/sub && printf 'témoignage\n' > ev/sub/statement.txt && head -c 150000 /dev/urandom > ev/photo.jpg
check "pack -r a photo of recipient.png" airseal-send pack -r paper.jpg -s ngo.key -o b --case PQ-1 ev
grep -q "^For:        the key with fingerprint $init_fp (paper.jpg)$" "$T/.out" && ok "pack's For: line shows the same digits" || not_ok "pack For: line"
head -c 4000 b/bundle.age | grep -qa '^-> mlkem768x25519 ' && ! head -c 4000 b/bundle.age | grep -qa '^-> X25519 ' && ok "bundle.age holds one mlkem768x25519 stanza and no X25519 one" || not_ok "stanza types"
grep -qF "needs age 1.3 or later, or typage" b/README.txt && ok "the bundle README says which stock age opens it" || not_ok "README stock-age note"
check "pack -r the age1pq1 string" airseal-send pack -r "$(cat st/recipient.pub)" -s ngo.key -o b2 ev
check "pack -r the upper-case string" airseal-send pack -r "$(tr a-z A-Z < st/recipient.pub)" -s ngo.key -o b3 ev
check "qr frames of the hybrid bundle" airseal-send qr b -o fr
cp -a st stq
check "USB import at the hybrid station" airseal-recv import st b
bid=$(sed -n 's/^trusted comment: airseal-bundle v1 bundle:\([0-9a-f]*\) .*/\1/p' b/bundle.age.minisig)
entry=st/vault/PQ-1/$bid
diff -r ev "$entry/evidence/ev" > /dev/null && ok "imported evidence identical" || not_ok "evidence differs"
grep -q "^recipient: $(cat st/recipient.pub)$" "$entry/manifest.txt" && ok "the signed manifest names the hybrid recipient" || not_ok "manifest recipient"
receipt=st/receipts/$bid.receipt
check "NGO verifies the receipt" airseal-send verify-receipt -p st/station.pub "$receipt" --bundle b
check "NGO verifies the receipt from its QR code" airseal-send verify-receipt -p st/station.pub "$receipt.png"
check "auditor verifies the custody log" airseal-recv verify --station st st/custody.log
check "auditor verifies the vault entry" airseal-recv verify -p ngo.pub "$entry"
check "auditor verifies the bundle" airseal-recv verify -p ngo.pub b
check "auditor verifies the receipt" airseal-recv verify -p st/station.pub "$receipt"
check "QR import at the hybrid station" airseal-recv import stq fr
grep -q " transport=qr " stq/custody.log && [ -d "stq/vault/PQ-1/$bid" ] && ok "QR import landed in the vault" || not_ok "QR import"
check "pack to the protected hybrid station" airseal-send pack -r pst/recipient.pub -s ngo.key -o pb ev
check "import at the protected hybrid station" airseal-recv import pst pb --passphrase-file pass.txt
check "astool decrypts with identity.txt" sh -c 'astool age-decrypt -i st/identity.txt < b3/bundle.age | tar -t > /dev/null'

# --- 5. mixing post-quantum and classical recipients
expect 2 "^airseal-send: error: refusing to seal to post-quantum \(age1pq1\.\.\.\) and classical \(age1\.\.\.\) recipients together: whoever breaks X25519 could open the bundle through the classical one \(give --allow-classical-with-pq to do it anyway\)$" \
    "pack refuses hybrid + classical recipients" -- airseal-send pack -r st/recipient.pub -r cst/recipient.pub -s ngo.key -o mix ev
[ ! -e mix ] && ok "nothing written for the refused mix" || not_ok "mix folder left"
check "--allow-classical-with-pq seals the mix" airseal-send pack -r st/recipient.pub -r cst/recipient.pub --allow-classical-with-pq -s ngo.key -o mix ev
cp -a cst cst2 && cp -a other other2 && cp -a st st2
check "the mixed bundle imports at the classical station" airseal-recv import cst2 mix
check "the mixed bundle imports at the hybrid station" airseal-recv import st2 mix

# --- 6. classical stations: a new one, and one made by airseal 0.1.0 before this change
check "pack to the classical station" airseal-send pack -r cst/recipient.pub -s ngo.key -o cb ev
check "import at the classical station" airseal-recv import cst cb
check "auditor verifies the classical station's log" airseal-recv verify --station cst cst/custody.log
tar -xzf "$AIRSEAL_ROOT/tests/vectors/station-0.1.0.tar.gz" && ok "the 0.1.0 station unpacked" || not_ok "untar"
check "the 0.1.0 station trusts the NGO" airseal-recv trust oldst add ngo.pub --yes
check "fingerprint of its age1 recipient" airseal-send fingerprint oldst/recipient.pub
check "pack to the 0.1.0 station" airseal-send pack -r oldst/recipient.pub -s ngo.key -o ob --case OLD ev
check "import at the 0.1.0 station" airseal-recv import oldst ob
check "auditor verifies the 0.1.0 station's log" airseal-recv verify --station oldst oldst/custody.log
! grep -q recipient-type oldst/station.conf && ok "its station.conf is left in the 0.1.0 format" || not_ok "old station.conf rewritten"

# --- 7. hostile: wrong kind, wrong key, hostile manifests and a tampered station, one table.
# Each row: name|station|input maker|status|expected line. The maker runs in $T and writes
# the bundle folder named after the row; the station must be unchanged byte for byte.
HOSTILE=(
    "hybrid bundle at a classical station|cst|cp -a b \$N|1|^airseal-recv: error: bundle\.age is not encrypted to this station: it is sealed to post-quantum \(age1pq1\.\.\.\) recipients only, and this station's key is classical \(X25519\)$"
    "classical bundle at a hybrid station|st|cp -a cb \$N|1|^airseal-recv: error: bundle\.age is not encrypted to this station: it is sealed to classical \(X25519\) recipients only, and this station's key is post-quantum \(age1pq1\.\.\.\)$"
    "bundle for another hybrid station|st|airseal-send pack -r other/recipient.pub -s ngo.key -o \$N ev|1|^airseal-recv: error: bundle\.age is not encrypted to this station \(no recipient stanza opens with its key\)$"
    "manifest naming another hybrid station|st|\$CRAFT chosen-id \$N sngo \"\$(cat st/recipient.pub)\" \"\$(cat other/recipient.pub)\"|1|^airseal-recv: error: this station is not among the bundle's recipients in its signed manifest$"
    "manifest naming the classical twin|st|\$CRAFT chosen-id \$N sngo \"\$(cat st/recipient.pub)\" \"\$(cat cst/recipient.pub)\"|1|^airseal-recv: error: this station is not among the bundle's recipients in its signed manifest$"
    "nine hybrid recipients in the manifest|st|\$CRAFT pq-recipient-flood \$N sngo \"\$(cat st/recipient.pub)\"|1|^airseal-recv: error: manifest lists more than 8 age1pq1\.\.\. recipients$"
    "hybrid manifest recipient with a bad checksum|st|\$CRAFT pq-recipient-bad-checksum \$N sngo \"\$(cat st/recipient.pub)\"|1|^airseal-recv: error: manifest recipient: not an age1pq1\.\.\. recipient$"
    "upper-case recipient in the manifest|st|\$CRAFT pq-recipient-upper-case \$N sngo \"\$(cat st/recipient.pub)\"|1|^airseal-recv: error: manifest recipient: not an age1pq1\.\.\. recipient$"
    "X25519 stanza aimed at a hybrid station|st|mkdir \$N && astool age-encrypt -r \"\$(cat cst/recipient.pub)\" < /dev/null > \$N/bundle.age && minisign -S -s sngo.key -m \$N/bundle.age -t 'airseal-bundle v1 bundle:00000000000000000000000000000000 case:x files:0 bytes:0 manifest:$(printf '0%.0s' {1..64})' > /dev/null|1|^airseal-recv: error: bundle\.age is not encrypted to this station: it is sealed to classical \(X25519\) recipients only, and this station's key is post-quantum \(age1pq1\.\.\.\)$"
)
n=0
for row in "${HOSTILE[@]}"; do
    IFS='|' read -r name station maker status regex <<< "$row"
    n=$((n + 1)); N=h$n
    eval "$maker" > /dev/null 2>&1 || diag "$name: maker failed"
    before=$(station_state "$station")
    expect "$status" "$regex" "$name: refused" -- /usr/bin/time -o t.txt -f '%e s %M KiB' airseal-recv import "$station" "$N"
    echo "$name: $(tail -1 t.txt)" >> "$MEASURE"
    [ "$(station_state "$station")" = "$before" ] && ok "$name: station unchanged byte for byte" || not_ok "$name: station changed"
done

# A station whose own files were tampered with: refused before anything is read.
TAMPER=(
    "unknown recipient-type|sed -i 's/^recipient-type: .*/recipient-type: kyber1024/' \$D/station.conf|1|^airseal-recv: error: \$D/station\.conf: unknown recipient-type \(x25519 or mlkem768x25519\)$"
    "hybrid key with the type line removed|sed -i '/^recipient-type:/d' \$D/station.conf|1|^airseal-recv: error: \$D/station\.conf: recipient is too long to be an age1\.\.\. key$"
    "another station's hybrid identity|cp other/identity.txt \$D/identity.txt|1|^airseal-recv: error: \$D/identity\.txt: does not hold the identity of recipient\.pub$"
    "another station's recipient.pub|cp other/recipient.pub \$D/recipient.pub|1|^airseal-recv: error: \$D/recipient\.pub does not match station\.conf$"
)
for row in "${TAMPER[@]}"; do
    IFS='|' read -r name maker status regex <<< "$row"
    n=$((n + 1)); D=t$n
    cp -a st "$D" && eval "$maker"
    regex=${regex//\$D/$D}
    before=$(station_state "$D")
    expect "$status" "$regex" "tampered station, $name: refused" -- /usr/bin/time -o t.txt -f '%e s %M KiB' airseal-recv import "$D" b2
    echo "$name: $(tail -1 t.txt)" >> "$MEASURE"
    [ "$(station_state "$D")" = "$before" ] && ok "tampered station, $name: unchanged byte for byte" || not_ok "tampered station, $name: changed"
done
while read -r line; do diag "refusal time and peak RSS, $line"; done < "$MEASURE"
done_testing
