#!/usr/bin/env bash
# Stock tools and the bundle: the commands README.txt gives work with Debian's minisign, age
# and tar (acceptance 2), and a bundle built with stock tools alone by the recipe in
# docs/FORMAT.md section 7.5, run exactly as written there, imports (acceptance 3).
. "$AIRSEAL_ROOT/tests/lib.sh"

check "NGO keygen" airseal-send keygen -o ngo --no-passphrase
# stock age 1.1.1 (Debian 12) opens classical bundles only: a classical station here
check "station init" airseal-recv init st --classical --no-passphrase
check "trust the NGO" airseal-recv trust st add ngo.pub --yes
mkdir -p ev/sub && printf 'statement\n' > ev/sub/a.txt && head -c 70000 /dev/urandom > "ev/photo é.jpg" && : > ev/zero
check "pack" airseal-send pack -r st/recipient.pub -s ngo.key -o out --case C-1 ev

# --- README.txt: exactly the stock commands, and they work
grep -qxF '    minisign -V -p NGO.pub -m bundle.age' out/README.txt && ok "README.txt gives the minisign command" || not_ok "README minisign command"
grep -qxF '    age -d -i STATION/identity.txt bundle.age | tar -t' out/README.txt && ok "README.txt gives the age | tar command" || not_ok "README age command"
check "stock minisign -V -p NGO.pub -m OUTDIR/bundle.age" minisign -V -p ngo.pub -m out/bundle.age
age -d -i st/identity.txt out/bundle.age | tar -t > listing 2> /dev/null
printf 'manifest.txt\nmanifest.txt.minisig\nevidence/ev/photo é.jpg\nevidence/ev/sub/a.txt\nevidence/ev/zero\n' > want
diff listing want > /dev/null && ok "stock age | tar -t lists the manifest and the evidence" || { not_ok "stock listing"; sed 's/^/#   /' listing; }
# Step 3 of README.txt, with the placeholders filled in, run from inside the bundle folder.
sed -n '/^  3\./,/^OTHER FILES/p' out/README.txt | grep '^    ' | sed 's/^    //; s|NGO.pub|../ngo.pub|g; s|STATION/|../st/|g' > step3.sh
[ "$(wc -l < step3.sh)" = 3 ] && ok "README step 3 has three commands" || not_ok "README step 3: $(wc -l < step3.sh) lines"
(cd out && bash -e ../step3.sh) > step3.out 2>&1 && ok "README step 3 (extract, verify manifest, sha256sum -c) succeeds" || { not_ok "README step 3"; sed 's/^/#   /' step3.out | head; }
[ "$(grep -c ': OK$' step3.out)" = 3 ] && ok "sha256sum -c checked all three files" || not_ok "sha256sum -c output"
rm -rf out/out
# a tampered bundle fails the stock check too
cp out/bundle.age tampered.age && flip_byte tampered.age 5000
minisign -V -p ngo.pub -m tampered.age -x out/bundle.age.minisig > /dev/null 2>&1 && not_ok "stock minisign rejects a tampered bundle" || ok "stock minisign rejects a tampered bundle"

# --- A bundle built with stock tools alone, by the recipe in FORMAT.md
minisign -G -W -p stockngo.pub -s stockngo.key > /dev/null 2>&1 && ok "stock minisign makes an NGO key" || not_ok "minisign -G"
check "trust the stock-made key" airseal-recv trust st add stockngo.pub --name "Stock NGO" --yes
sed -n '/^<!-- stock-bundle-recipe -->$/,/^<!-- end-stock-bundle-recipe -->$/p' "$AIRSEAL_ROOT/docs/FORMAT.md" \
    | sed '1,2d;$d' | sed '$d' > recipe.sh
[ "$(grep -c . recipe.sh)" -gt 15 ] && ok "FORMAT.md holds the stock recipe" || not_ok "recipe not found in FORMAT.md"
mkdir -p ev2/nested/deeper
printf 'first\n' > ev2/nested/deeper/one.txt
printf 'zwei\n' > "ev2/Zeugenaussage ü.txt"
: > ev2/empty
head -c 200000 /dev/urandom > ev2/blob.bin
(EVIDENCE=$PWD/ev2 CASE=ICC-02/19 NGO=$PWD/stockngo RECIPIENT=$(cat st/recipient.pub) OUT=$PWD/stockout \
    bash recipe.sh) > recipe.out 2>&1 && ok "the recipe runs with stock tools" || { not_ok "the recipe failed"; sed 's/^/#   /' recipe.out | head; }
[ "$(ls stockout)" = "$(printf 'bundle.age\nbundle.age.minisig')" ] && ok "the recipe made bundle.age and its signature" || not_ok "recipe output: $(ls stockout)"
check "airseal verifies the stock-built bundle" airseal-recv verify -p stockngo.pub stockout
check "the stock-built bundle imports" airseal-recv import st stockout
grep -q 'from "Stock NGO"' "$T/.out" && ok "import names the stock-made key's label" || not_ok "import output"
b=$(ls st/vault/ICC-02%2F19)
diff -r ev2 "st/vault/ICC-02%2F19/$b/evidence" > /dev/null && ok "stock-built evidence is identical in the vault" || not_ok "stock-built evidence differs"
check "the vault entry verifies" airseal-recv verify --station st "st/vault/ICC-02%2F19/$b"
check "its receipt verifies" airseal-send verify-receipt -p st/station.pub "st/receipts/$b.receipt"
check "the custody log verifies" airseal-recv verify --station st st/custody.log

done_testing
