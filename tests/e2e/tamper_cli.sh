#!/usr/bin/env bash
# Tampered sealed files and signatures through the command-line tools: each rejected with
# the right one-line error and exit status 1, and no plaintext released past the damage.
. "$AIRSEAL_ROOT/tests/lib.sh"

airseal-recv init st --no-passphrase > /dev/null
R=$(cat st/recipient.pub)
head -c $((3 * 65536 + 1000)) /dev/urandom > p
astool age-encrypt -r "$R" < p > c.age
hdr=$(python3 -c "import sys;d=open('c.age','rb').read();print(d.index(b'\n--- ')+5+43+1)")
open() { astool age-decrypt -i st/identity.txt < "$1"; }

cp c.age t.age && flip_byte t.age 2
expect 1 "header failure" "flipped version line: header failure" -- open t.age
cp c.age t.age && swap_b64_char t.age $((hdr - 10))
expect 1 "HMAC failure" "flipped MAC: HMAC failure" -- open t.age
cp c.age t.age && flip_byte t.age $((hdr + 3))
expect 1 "chunk 0 failed authentication" "flipped nonce: chunk 0 fails" -- open t.age
for c in 0 1 2 3; do
    cp c.age t.age && flip_byte t.age $((hdr + 16 + c * 65552 + 100))
    expect 1 "chunk $c failed authentication" "flipped byte in chunk $c" -- open t.age
    size=$(wc -c < "$T/.out")
    [ "$size" = $((c * 65536)) ] && ok "only the $c chunk(s) before it were released" || not_ok "released $size bytes before chunk $c"
done
for c in 1 2 3; do
    head -c $((hdr + 16 + c * 65552)) c.age > t.age
    expect 1 "final chunk is missing" "truncated at chunk boundary $c" -- open t.age
done
head -c $((hdr + 16)) c.age > t.age
expect 1 "no payload chunks" "truncated after the nonce" -- open t.age
head -c $((hdr + 7)) c.age > t.age
expect 1 "payload nonce" "truncated inside the nonce" -- open t.age
head -c $((hdr - 20)) c.age > t.age
expect 1 "header failure" "truncated inside the header" -- open t.age
cp c.age t.age && printf 'x' >> t.age
expect 1 "payload failure" "one byte appended" -- open t.age
head -c $((2 * 65536)) p > q && astool age-encrypt -r "$R" < q > cq.age && printf 'x' >> cq.age
expect 1 "data after the final chunk" "byte appended after a full final chunk" -- open cq.age

airseal-send keygen -o k --no-passphrase > /dev/null
astool sign -s k.key -m c.age -x c.sig -t "bundle:abc case:1"
want=([2]="signature verification failed" [3]="trusted comment signature" [4]="trusted comment signature")
for line in 2 3 4; do
    off=$(python3 -c "import sys;d=open('c.sig','rb').read().split(b'\n');print(sum(len(x)+1 for x in d[:$line-1])+len(d[$line-1])//2)")
    cp c.sig t.sig
    if [ $line = 3 ]; then flip_byte t.sig "$off"; else swap_b64_char t.sig "$off"; fi
    expect 1 "${want[$line]}" "flipped byte in signature line $line is rejected" -- astool verify -p k.pub -m c.age -x t.sig
done
done_testing
