#!/usr/bin/env bash
# airseal's hybrid (mlkem768x25519) age against typage, an independent implementation (npm
# age-encryption, pinned by tests/interop/package-lock.json; make deps installs it with npm ci),
# both ways: files, whole bundles (the FORMAT.md 7.5 recipe with typage as the encryptor and
# stock minisign as the signer) and keys made by either side. Fails, not skips, without node or
# the package: a clean clone runs make deps first.
. "$AIRSEAL_ROOT/tests/lib.sh"
I=$AIRSEAL_ROOT/tests/interop
typage() { node "$I/typage.mjs" "$@"; }

command -v node > /dev/null && ok "node is installed ($(node --version))" || not_ok "node is missing: run make deps"
v=$(typage version 2> /dev/null)
case "$v" in 0.3.*) ok "typage $v is installed from the lockfile" ;; *) not_ok "typage (age-encryption 0.3.x) is missing from tests/interop/node_modules: run make deps" ;; esac
grep -q '"age-encryption": "0.3.1"' "$I/package.json" && grep -q '"node_modules/age-encryption"' "$I/package-lock.json" && ok "package.json pins age-encryption, package-lock.json locks it" || not_ok "pin or lockfile missing"

check "NGO keygen" airseal-send keygen -o ngo --no-passphrase
check "hybrid station" airseal-recv init st --no-passphrase
check "trust the NGO" airseal-recv trust st add ngo.pub --yes
minisign -G -W -p sngo.pub -s sngo.key > /dev/null 2>&1 && ok "stock minisign makes a second NGO key" || not_ok "minisign -G"
check "trust the stock NGO key" airseal-recv trust st add sngo.pub --yes --name "Stock NGO"
R=$(cat st/recipient.pub)

# --- files, both ways, sizes around the 64 KiB chunk
for n in 0 1 65536 65537 300000; do
    head -c $n /dev/urandom > p$n
    typage encrypt "$R" < p$n > t$n.age && astool age-decrypt -i st/identity.txt < t$n.age > d$n && cmp -s p$n d$n \
        && ok "typage seals $n bytes to the station's age1pq1, airseal opens them" || not_ok "typage -> airseal, $n bytes"
    astool age-encrypt -r "$R" < p$n > a$n.age && typage decrypt st/identity.txt < a$n.age > e$n && cmp -s p$n e$n \
        && ok "airseal seals $n bytes, typage opens them with identity.txt" || not_ok "airseal -> typage, $n bytes"
done
head -c 1200 t1.age | grep -qa '^-> mlkem768x25519 ' && ok "typage wrote an mlkem768x25519 stanza" || not_ok "typage stanza"

# --- whole bundles: airseal pack, typage decrypts; typage encrypts (FORMAT.md 7.5), airseal imports
mkdir -p ev/sub && printf 'statement\n' > ev/sub/a.txt && head -c 100000 /dev/urandom > "ev/photo é.jpg"
check "airseal pack to the hybrid station" airseal-send pack -r st/recipient.pub -s ngo.key -o b --case TP-1 ev
mkdir x && typage decrypt st/identity.txt < b/bundle.age | tar -x -C x && ok "typage decrypts airseal's bundle.age" || not_ok "typage cannot decrypt the bundle"
diff -r ev x/evidence/ev > /dev/null && minisign -V -q -p ngo.pub -m x/manifest.txt -x x/manifest.txt.minisig && ok "what typage opened: the evidence and the signed manifest" || not_ok "typage's extraction differs"
sed -n '/^<!-- stock-bundle-recipe -->$/,/^<!-- end-stock-bundle-recipe -->$/p' "$AIRSEAL_ROOT/docs/FORMAT.md" \
    | sed '1,2d;$d' | sed '$d' > recipe.sh
grep -q '^    age -r "\$RECIPIENT" -o "\$OUT/bundle.age"$' recipe.sh && ok "FORMAT.md 7.5 encrypts with one age -r line" || not_ok "recipe's age line not found"
sed -i 's|^    age -r "\$RECIPIENT" -o "\$OUT/bundle.age"$|    node "$TYPAGE" encrypt "$RECIPIENT" > "$OUT/bundle.age"|' recipe.sh
mkdir -p ev2/n && printf 'eins\n' > ev2/n/one.txt && head -c 70000 /dev/urandom > ev2/blob.bin
(EVIDENCE=$PWD/ev2 CASE=TP-2 NGO=$PWD/sngo RECIPIENT=$R OUT=$PWD/tb TYPAGE=$I/typage.mjs bash recipe.sh) > recipe.out 2>&1 \
    && ok "the recipe with typage as the encryptor and stock minisign as the signer" || { not_ok "the typage recipe failed"; sed 's/^/#   /' recipe.out | head -5; }
check "the typage-built bundle imports at the hybrid station" airseal-recv import st tb
e=$(ls -d st/vault/TP-2/*)
diff -r ev2 "$e/evidence" > /dev/null && ok "typage-built evidence identical in the vault" || not_ok "typage-built evidence differs"
check "the auditor verifies its vault entry" airseal-recv verify --station st "$e"

# --- keys: typage's in airseal, airseal's in typage
(umask 077 && typage keygen-pq > tid.txt) && grep -qE '^AGE-SECRET-KEY-PQ-1' tid.txt && ok "typage makes a hybrid identity" || not_ok "typage keygen"
TR=$(sed -n 's/^# public key: //p' tid.txt)
check "airseal reads typage's recipient (fingerprint)" airseal-send fingerprint "$TR"
check "airseal pack to typage's recipient" airseal-send pack -r "$TR" -s ngo.key -o tpb ev
typage decrypt tid.txt < tpb/bundle.age | tar -t | grep -qx manifest.txt && ok "typage opens the bundle airseal sealed to typage's key" || not_ok "typage key: bundle"
typage encrypt "$TR" < p65537 > tt.age && astool age-decrypt -i tid.txt < tt.age | cmp -s - p65537 && ok "airseal reads typage's identity file" || not_ok "airseal with typage's identity"
done_testing
