#!/usr/bin/env bash
# airseal's age against Debian's age 1.1.1, both directions.
. "$AIRSEAL_ROOT/tests/lib.sh"

# stock age 1.1.1 (Debian 12) knows X25519 only: a classical station
airseal-recv init st --classical --no-passphrase > /dev/null
for i in 2 3; do age-keygen -o id$i.txt 2> /dev/null; done
R1=$(cat st/recipient.pub) R2=$(age-keygen -y id2.txt) R3=$(age-keygen -y id3.txt)

for n in 0 1 65535 65536 65537 1048577; do
    head -c $n /dev/urandom > p$n
    for rc in 1 3; do
        for armor in "" -a; do
            if [ $rc = 1 ]; then rs=(-r "$R1"); else rs=(-r "$R2" -r "$R1" -r "$R3"); fi
            astool age-encrypt $armor "${rs[@]}" < p$n > c.age
            age -d -i st/identity.txt c.age > d 2> /dev/null
            cmp -s d p$n && ok "stock age decrypts airseal: $n bytes, $rc recipient(s) ${armor:-binary}" \
                || not_ok "stock age decrypts airseal: $n bytes, $rc recipient(s) ${armor:-binary}"
        done
    done
    age -r "$R1" -o s.age p$n
    astool age-decrypt -i st/identity.txt < s.age > e && cmp -s e p$n \
        && ok "airseal decrypts stock age -r: $n bytes" || not_ok "airseal decrypts stock age -r: $n bytes"
    age -a -r "$R2" -r "$R1" -o s.asc p$n
    astool age-decrypt -i st/identity.txt < s.asc > e && cmp -s e p$n \
        && ok "airseal decrypts stock age -a, 2 recipients: $n bytes" || not_ok "airseal decrypts stock age -a: $n bytes"
done

# passphrase (scrypt) files: age reads passphrases only from a terminal
printf 'a long passphrase\n' > pw && chmod 600 pw
ptyrun -a "a long passphrase" -a "a long passphrase" -- age -p -o sp.age p65537 > /dev/null
astool age-decrypt -P pw < sp.age > e && cmp -s e p65537 && ok "airseal decrypts stock age -p (logN 18)" || not_ok "airseal decrypts stock age -p"
astool age-encrypt -P pw < p1048577 > ap.age
grep -qa -- "-> scrypt .* 18$" ap.age && ok "airseal writes scrypt stanzas at logN 18 as age does" || not_ok "scrypt work factor"
ptyrun -a "a long passphrase" -- age -d -o ad ap.age > /dev/null && cmp -s ad p1048577 \
    && ok "stock age -d decrypts airseal's passphrase file" || not_ok "stock age decrypts airseal's passphrase file"
printf 'other\n' > pw2 && chmod 600 pw2
expect 1 "no match" "wrong passphrase is 'no match'" -- astool age-decrypt -P pw2 < ap.age

# the station's identity file works with age -d -i and the wrong one does not
astool age-encrypt -r "$R1" < p1 > c1.age
expect 1 "no identity matched" "a file for another recipient is 'no match'" -- astool age-decrypt -i id2.txt < c1.age
age -d -i id2.txt c1.age > /dev/null 2>&1 && not_ok "stock age must also refuse" || ok "stock age also refuses the wrong identity"
done_testing
