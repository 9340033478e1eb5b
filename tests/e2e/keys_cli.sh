#!/usr/bin/env bash
# Keys on the command line: airseal-send keygen, airseal-recv init and trust.
. "$AIRSEAL_ROOT/tests/lib.sh"

# --- help and usage
for v in keygen; do check "airseal-send $v --help" airseal-send $v --help; done
for v in init trust; do check "airseal-recv $v --help" airseal-recv $v --help; done
check "airseal-send --help" airseal-send --help
check "airseal-recv --help" airseal-recv --help
expect 2 "keygen: -o NAME is required" "keygen without -o is a usage error" -- airseal-send keygen --no-passphrase
expect 2 "unknown option '--bogus'" "unknown option is a usage error" -- airseal-send keygen --bogus
expect 2 "unknown action" "unknown trust action is a usage error" -- airseal-recv trust st frobnicate
expect 2 "needs a value" "option without its value" -- airseal-send keygen -o
expect 2 "exclude each other" "conflicting passphrase options" -- airseal-send keygen -o x --no-passphrase --passphrase-file pf
airseal-send frobnicate > /dev/null 2>&1; [ $? = 2 ] && ok "unknown command exits 2" || not_ok "unknown command exits 2"

# --- keygen
check "keygen --no-passphrase" airseal-send keygen -o ngo --no-passphrase
grep -q "^Fingerprint: [0-9]\{5\}\( [0-9]\{5\}\)\{5\}$" "$T/.out" && ok "keygen prints a 6x5-digit fingerprint" || not_ok "keygen prints a fingerprint"
ngo_fp=$(sed -n 's/^Fingerprint: //p' "$T/.out")
grep -q "^Key id:      [0-9A-F]\{16\}$" "$T/.out" && ok "keygen prints the key id" || not_ok "keygen prints the key id"
[ "$(stat -c %a ngo.key)" = 600 ] && ok "secret key is mode 0600" || not_ok "secret key mode $(stat -c %a ngo.key)"
head -1 ngo.pub | grep -q "^untrusted comment: minisign public key [0-9A-F]\{16\}$" && ok "public key in minisign format" || not_ok "public key format"
cp ngo.key ngo.key.orig
expect 1 "already exists; refusing to overwrite" "keygen refuses to overwrite" -- airseal-send keygen -o ngo --no-passphrase
cmp -s ngo.key ngo.key.orig && ok "existing key untouched" || not_ok "existing key changed"

printf 'field passphrase\n' > pass.txt && chmod 644 pass.txt
expect 1 "chmod 600" "a passphrase file readable by others is refused" -- airseal-send keygen -o ngo2 --passphrase-file pass.txt
[ ! -e ngo2.key ] && [ ! -e ngo2.pub ] && ok "nothing written after the refusal" || not_ok "files left after refusal"
chmod 600 pass.txt
check "keygen --passphrase-file" airseal-send keygen -o ngo2 --passphrase-file pass.txt
echo "field passphrase" | minisign -S -s ngo2.key -m pass.txt -x sig.minisig > /dev/null 2>&1 && minisign -V -p ngo2.pub -m pass.txt -x sig.minisig > /dev/null 2>&1 \
    && ok "stock minisign signs with the encrypted airseal key" || not_ok "stock minisign signs with the encrypted airseal key"
expect 2 "no terminal" "keygen without a terminal or passphrase file" -- airseal-send keygen -o ngo3
[ ! -e ngo3.key ] && ok "no key written without a passphrase" || not_ok "key written without a passphrase"
printf '\n' > empty.txt && chmod 600 empty.txt
expect 2 "first line is empty" "an empty passphrase file is refused" -- airseal-send keygen -o ngo4 --passphrase-file empty.txt

# --- init
# stock age-keygen (Debian 12: 1.1.1) knows X25519 keys only: these checks use a classical
# station; tests/e2e/pq_station.sh covers the hybrid default
check "init --classical --no-passphrase" airseal-recv init st --classical --no-passphrase
init_rfp=$(grep -oE '[0-9]{5}( [0-9]{5}){5}' "$T/.out" | sed -n 1p)
init_sfp=$(grep -oE '[0-9]{5}( [0-9]{5}){5}' "$T/.out" | sed -n 2p)
grep -q "^Encrypt to:        age1" "$T/.out" && ok "init prints the recipient" || not_ok "init prints the recipient"
for f in station.conf identity.txt recipient.pub station.key station.pub trusted-signers.txt custody.log; do
    [ -f "st/$f" ] && ok "station has $f" || not_ok "station lacks $f"
done
for d in vault staging receipts; do [ -d "st/$d" ] && ok "station has $d/" || not_ok "station lacks $d/"; done
[ "$(stat -c %a st/identity.txt)" = 600 ] && [ "$(stat -c %a st/station.key)" = 600 ] && ok "station secrets are 0600" || not_ok "station secret modes"
[ "$(stat -c %a st)" = 700 ] && ok "station directory is 0700" || not_ok "station directory mode $(stat -c %a st)"
[ "$(wc -l < st/recipient.pub)" = 1 ] && grep -qE '^age1[02-9ac-hj-np-z]{58}$' st/recipient.pub && ok "recipient.pub holds one age1 line" || not_ok "recipient.pub format"
[ "$(age-keygen -y st/identity.txt)" = "$(cat st/recipient.pub)" ] && ok "stock age-keygen -y agrees with recipient.pub" || not_ok "age-keygen -y disagrees"
cp -a st st.orig
expect 1 "refusing to overwrite a station" "init refuses an existing station" -- airseal-recv init st --no-passphrase
diff -r st st.orig > /dev/null && ok "existing station untouched" || not_ok "existing station changed"
mkdir notempty && touch notempty/file
expect 1 "not empty" "init refuses a non-empty directory" -- airseal-recv init notempty --no-passphrase
mkdir emptydir
check "init into an empty directory" airseal-recv init emptydir --no-passphrase
ls -a . | grep -q '\.init-' && not_ok "temporary init directory left behind" || ok "no temporary init directory left"

check "init --classical --passphrase-file" airseal-recv init pst --classical --passphrase-file pass.txt
[ -f pst/identity.age ] && [ ! -e pst/identity.txt ] && ok "protected identity is age-encrypted" || not_ok "protected identity layout"
head -2 pst/identity.age | grep -q -- "-> scrypt" && ok "identity.age uses the scrypt recipient" || not_ok "identity.age stanza"
ptyrun -a "field passphrase" -- age -d -o id.txt pst/identity.age > /dev/null 2>&1
[ "$(age-keygen -y id.txt 2>/dev/null)" = "$(cat pst/recipient.pub)" ] && ok "stock age decrypts identity.age with the passphrase" || not_ok "stock age decrypts identity.age"

# --- trust
check "trust list (empty)" airseal-recv trust st list
grep -q "No trusted NGO keys" "$T/.out" && ok "empty trust store says so" || not_ok "empty trust list text"
check "trust add" airseal-recv trust st add ngo.pub --name "Field NGO A"
id=$(sed -n 's/^untrusted comment: minisign public key //p' ngo.pub)
check "trust list" airseal-recv trust st list
grep -q "^$id  [0-9 ]\{35\}  Field NGO A$" "$T/.out" && ok "list shows id, fingerprint, label" || not_ok "trust list line"
expect 1 "already trusted" "adding the same key twice" -- airseal-recv trust st add ngo.pub
grep -q " trust-add key=$id " st/custody.log && ok "trust-add is in the custody log" || not_ok "trust-add not logged"
printf 'untrusted comment: x\nnot a key\n' > bad.pub
expect 1 "not a minisign public key" "trust add of a malformed key" -- airseal-recv trust st add bad.pub
expect 2 "not in the trust store" "trust remove of an unknown key" -- airseal-recv trust st remove 0123456789ABCDEF
expect 2 "not a key id" "trust remove of a malformed key id" -- airseal-recv trust st remove xyz
check "trust remove" airseal-recv trust st remove "$id"
grep -q " trust-remove key=$id " st/custody.log && ok "trust-remove is in the custody log" || not_ok "trust-remove not logged"
expect 2 "no terminal" "trust add on a protected station needs its passphrase" -- airseal-recv trust pst add ngo.pub
printf 'wrong\n' > wrong.txt && chmod 600 wrong.txt
expect 1 "wrong passphrase" "trust add with a wrong station passphrase" -- airseal-recv trust pst add ngo.pub --passphrase-file wrong.txt
check "trust add with the station passphrase" airseal-recv trust pst add ngo.pub --passphrase-file pass.txt
expect 2 "not an airseal station" "a directory that is not a station" -- airseal-recv trust notempty list

# --- fingerprints: the same digits wherever the same key is shown
check "fingerprint of the NGO key (send)" airseal-send fingerprint ngo.pub
fp_send=$(sed -n 's/^  fingerprint: //p' "$T/.out")
check "fingerprint of the NGO key (recv)" airseal-recv fingerprint ngo.pub
fp_recv=$(sed -n 's/^  fingerprint: //p' "$T/.out")
echo "$fp_send" | grep -qE '^[0-9]{5}( [0-9]{5}){5}$' && ok "a fingerprint is six groups of five digits" || not_ok "fingerprint form: '$fp_send'"
[ -n "$fp_send" ] && [ "$fp_send" = "$fp_recv" ] && [ "$fp_send" = "$ngo_fp" ] && ok "keygen, airseal-send and airseal-recv show the NGO key's same fingerprint" || not_ok "NGO fingerprints differ: keygen '$ngo_fp' send '$fp_send' recv '$fp_recv'"
airseal-recv trust st add ngo.pub --yes > tadd.out && grep -qF "fingerprint $ngo_fp" tadd.out && ok "trust add shows the same fingerprint" || not_ok "trust add: $(cat tadd.out)"
airseal-recv trust st list | grep -qF "  $ngo_fp  " && ok "trust list shows the same fingerprint" || not_ok "trust list fingerprint"
airseal-recv trust st remove "$(airseal-send fingerprint ngo.pub | sed -n 's/.*signing key //p')" > /dev/null
rfp=$(airseal-send fingerprint st/recipient.pub | sed -n 's/^  fingerprint: //p')
pfp=$(airseal-send fingerprint st/recipient.png | sed -n 's/^  fingerprint: //p')
sfp=$(airseal-send fingerprint st/station.pub | sed -n 's/^  fingerprint: //p')
[ -n "$rfp" ] && [ "$rfp" = "$init_rfp" ] && [ "$pfp" = "$rfp" ] && ok "the recipient's fingerprint: init, recipient.pub and recipient.png agree" || not_ok "recipient fingerprints: init '$init_rfp' file '$rfp' png '$pfp'"
[ -n "$sfp" ] && [ "$sfp" = "$init_sfp" ] && [ "$sfp" != "$rfp" ] && ok "the station key's fingerprint: init and station.pub agree" || not_ok "station fingerprints: init '$init_sfp' file '$sfp'"
airseal-send fingerprint "$(cat st/recipient.pub)" | grep -qF "$rfp" && ok "fingerprint of an age1 string" || not_ok "age1 string"
expect 2 "ngo.key is a secret key" "fingerprint refuses a secret key file" -- airseal-send fingerprint ngo.key
expect 2 "identity.txt is a secret key" "fingerprint refuses the station identity" -- airseal-recv fingerprint st/identity.txt
printf 'hello\n' > bad.pub.txt
expect 1 "not a valid age recipient" "fingerprint of something that is not a key" -- airseal-send fingerprint bad.pub.txt
mkdir -p fpev && echo x > fpev/a.txt
airseal-send pack -r st/recipient.pub -s ngo.key -o fpb fpev > fpack.out 2>&1
grep -qF "For:        the key with fingerprint $rfp (st/recipient.pub)" fpack.out && ok "pack names the recipient's fingerprint" || not_ok "pack: $(cat fpack.out)"
grep -qF "$ngo_fp" fpb/README.txt && ok "the bundle's README shows the NGO fingerprint" || not_ok "README fingerprint"

# --- trust add asks on a terminal
ptyrun -a n -o no.tty -- airseal-recv trust st add ngo.pub --name "Asked NGO" > /dev/null 2>&1
rc=$?
grep -qF "fingerprint $ngo_fp" no.tty && grep -q "match the one the NGO read to you? \[y/N\]" no.tty && ok "on a terminal, trust add shows the fingerprint and asks" || not_ok "no question: $(cat no.tty)"
[ "$rc" = 1 ] && grep -q "not confirmed; the trust store is unchanged" no.tty && ! airseal-recv trust st list | grep -q "Asked NGO" && ok "answering no: exit 1, nothing trusted" || not_ok "answering no: exit $rc"
ptyrun -a y -o yes.tty -- airseal-recv trust st add ngo.pub --name "Asked NGO" > /dev/null 2>&1 && airseal-recv trust st list | grep -q "Asked NGO" && ok "answering yes: trusted" || not_ok "answering yes: $(cat yes.tty)"
need_clean . "no temporary files left anywhere"
done_testing
