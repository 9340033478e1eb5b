#!/usr/bin/env bash
# airseal's minisign against Debian's minisign 0.11, both directions, and the known answers.
. "$AIRSEAL_ROOT/tests/lib.sh"

head -c 100000 /dev/urandom > msg
printf 'key passphrase\n' > pw && chmod 600 pw

# airseal keys, airseal signatures -> stock minisign
airseal-send keygen -o a --no-passphrase > /dev/null
astool sign -s a.key -m msg -x msg.sig -t "bundle:1 case:X"
minisign -V -H -p a.pub -m msg -x msg.sig > out 2>&1 && grep -q "Trusted comment: bundle:1 case:X" out \
    && ok "stock minisign -V -H verifies airseal's signature and trusted comment" || not_ok "stock minisign verifies airseal's signature"
minisign -VQ -P "$(tail -1 a.pub)" -m msg -x msg.sig > /dev/null 2>&1 && ok "stock minisign -P with the key string" || not_ok "minisign -P"

# airseal keys -> stock minisign signs; airseal verifies
minisign -S -s a.key -m msg -x m1.sig < /dev/null > /dev/null 2>&1 && ok "stock minisign signs with an unencrypted airseal key" || not_ok "minisign signs with airseal key"
check "airseal verifies stock minisign's signature" astool verify -p a.pub -m msg -x m1.sig
airseal-send keygen -o b --passphrase-file pw > /dev/null
echo "key passphrase" | minisign -S -s b.key -m msg -x m2.sig > /dev/null 2>&1 && ok "stock minisign signs with an encrypted airseal key" || not_ok "minisign signs with encrypted airseal key"
check "airseal verifies it" astool verify -p b.pub -m msg -x m2.sig
check "airseal signs with its encrypted key" astool sign -s b.key -P pw -m msg -x m3.sig
minisign -V -H -p b.pub -m msg -x m3.sig > /dev/null 2>&1 && ok "stock minisign verifies it" || not_ok "minisign verifies encrypted-key signature"

# minisign keys -> airseal signs; stock verifies
minisign -G -W -p w.pub -s w.key > /dev/null 2>&1
check "airseal signs with a minisign -W key (zero checksum)" astool sign -s w.key -m msg -x w.sig
minisign -V -H -p w.pub -m msg -x w.sig > /dev/null 2>&1 && ok "stock minisign verifies it" || not_ok "stock verifies -W key signature"
printf 'key passphrase\nkey passphrase\n' | minisign -G -p e.pub -s e.key > /dev/null 2>&1
chmod 600 e.key
check "airseal signs with an encrypted minisign key" astool sign -s e.key -P pw -m msg -x e.sig
minisign -V -H -p e.pub -m msg -x e.sig > /dev/null 2>&1 && ok "stock minisign verifies it" || not_ok "stock verifies encrypted minisign key signature"
printf 'wrong\n' > bad && chmod 600 bad
expect 1 "wrong passphrase" "wrong passphrase for a minisign key" -- astool sign -s e.key -P bad -m msg -x x.sig

# signatures by the wrong key, forged trusted comments
expect 1 "made by key" "a signature by another key names both key ids" -- astool verify -p w.pub -m msg -x msg.sig
sed 's/^trusted comment: bundle:1 case:X$/trusted comment: bundle:1 case:Y/' msg.sig > forged.sig
expect 1 "trusted comment signature" "an edited trusted comment is rejected" -- astool verify -p a.pub -m msg -x forged.sig
minisign -V -p a.pub -m msg -x forged.sig > /dev/null 2>&1 && not_ok "stock minisign must also reject it" || ok "stock minisign also rejects it"
cp msg msg2 && printf 'x' >> msg2
expect 1 "signature verification failed" "a changed message is rejected" -- astool verify -p a.pub -m msg2 -x msg.sig

# known answers (rust-minisign-verify vectors)
V=$VECTORS/minisign
check "KAT: prehashed ED signature verifies" astool verify -p "$V/minisign.pub" -m "$V/test" -x "$V/test.prehashed.minisig"
expect 1 "legacy" "KAT: ED-only mode rejects the legacy signature" -- astool verify -p "$V/minisign.pub" -m "$V/test" -x "$V/test.legacy.minisig"
check "KAT: legacy signature verifies when asked" astool verify -l -p "$V/minisign.pub" -m "$V/test" -x "$V/test.legacy.minisig"
done_testing
