#!/usr/bin/env bash
# The hostile corpus beyond the archive attacks of hostile_archives.sh: resource attacks in the
# archive, attacks on the age header, attacks by a trusted signer, and attacks on the USB
# transport. Each input expects one exact error line and its exit status, and leaves the
# station as it was (vault, receipts, staging, custody log) with nothing written outside it.
. "$AIRSEAL_ROOT/tests/lib.sh"
CRAFT="python3 $AIRSEAL_ROOT/tests/hostile/craft-bundle.py"

minisign -G -W -p ngo.pub -s ngo.key > /dev/null 2>&1 && ok "stock minisign makes the NGO key" || not_ok "minisign -G"
check "a second trusted NGO key" airseal-send keygen -o ngob --no-passphrase
# the age header attacks here (low-order X25519 shares...) and part sizes assume a classical
# station; tests/e2e/pq_station.sh has the hybrid station's hostile cases
check "station init" airseal-recv init st --classical --no-passphrase
check "another station" airseal-recv init other --classical --no-passphrase
check "trust the NGO" airseal-recv trust st add ngo.pub --yes --name "NGO A"
check "trust the second NGO" airseal-recv trust st add ngob.pub --yes --name "NGO B"
R=$(cat st/recipient.pub)

state() { (cd st && find vault receipts staging -printf '%p %s %m\n' | LC_ALL=C sort && cat custody.log) | sha256sum; }
count=0
# hostile NAME STATUS REGEX SOURCE...: import must fail with STATUS and one line matching REGEX
hostile() {
    local name=$1 status=$2 regex=$3 before; shift 3
    before=$(state)
    expect "$status" "$regex" "$name is rejected" -- airseal-recv import st "$@"
    if [ "$(state)" = "$before" ] && [ ! -e "$T/evil" ] && [ ! -e /tmp/airseal-evil ]; then
        ok "$name: station unchanged, nothing written outside it"
    else
        not_ok "$name: station changed or something written outside it"
    fi
    count=$((count + 1))
}
crafted() { # CASE: a crafted bundle in b-CASE
    $CRAFT "$1" "b-$1" ngo "$R" > craft.log 2>&1 || { not_ok "crafting $1"; sed 's/^/#   /' craft.log | tail -3; }
}

# --- archive: size and name attacks inside validly signed, validly encrypted bundles
crafted 100k-entries
hostile "10^5 tiny entries, all listed" 1 "the bundle declares 100000 files, more than the 50000 allowed$" b-100k-entries
crafted 100k-unlisted
hostile "10^5 tiny entries, unlisted" 1 "the archive holds e000000, which the manifest does not list$" b-100k-unlisted
crafted nul-in-name
hostile "NUL in an entry name (cut there by the tar reader)" 1 "the archive holds b\.txt, which the manifest does not list$" b-nul-in-name
crafted newline-in-name
hostile "newline in a listed name" 1 "manifest lists more files than its header's files: 1$" b-newline-in-name
crafted path-4096
hostile "4096-byte entry name" 1 "path longer than 1024 bytes: x{60}\.\.\.$" b-path-4096
crafted deep-nesting
hostile "600 nested folders" 1 "manifest file line 1 is too long or unterminated$" b-deep-nesting
crafted dot-component
hostile "'.' path component" 1 "'\.' or '\.\.' component in \./b\.txt$" b-dot-component

# --- the age header (signatures valid: the NGO signed these files)
crafted low-order-share
hostile "low-order X25519 share" 1 "bundle\.age: invalid age header: X25519 share is a low-order point$" b-low-order-share
crafted scrypt-huge
hostile "scrypt stanza with work factor 2^40" 1 "bundle\.age is not encrypted to this station \(no recipient stanza opens with its key\)$" b-scrypt-huge
crafted stanza-flood
hostile "10000 stanzas" 1 "bundle\.age: invalid age header: too many stanzas$" b-stanza-flood
mkdir -p evb && printf 'statement\n' > evb/s.txt
check "pack for another station" airseal-send pack -r other/recipient.pub -s ngob.key -o for-other --case X evb
hostile "recipient stanza for another station only" 1 "bundle\.age is not encrypted to this station" for-other

# --- a trusted signer misbehaving
check "NGO A2 makes an airseal key" airseal-send keygen -o ngoa --no-passphrase
check "trust A" airseal-recv trust st add ngoa.pub --yes --name "NGO A2"
check "A packs" airseal-send pack -r st/recipient.pub -s ngoa.key -o by-a --case S evb
cp -r by-a resigned && rm resigned/bundle.age.minisig resigned/bundle.index resigned/bundle.parity
sed -n 's/^trusted comment: //p' by-a/bundle.age.minisig > tc
minisign -S -s ngob.key -m resigned/bundle.age -t "$(cat tc)" < /dev/null > /dev/null 2>&1
if [ -s resigned/bundle.age.minisig ]; then
    hostile "signature stripped and re-signed by another trusted NGO" 1 "manifest signature \(must be by the bundle's signer\): signature was made by key" resigned
else
    not_ok "could not re-sign with stock minisign"
fi
# A trusted NGO signs a sealed file that is cut short, or has a byte appended: the signature
# holds, the age STREAM does not.
head -c 150000 /dev/urandom > evb/photo.jpg
check "A packs a larger bundle" airseal-send pack -r st/recipient.pub -s ngoa.key -o by-a2 --case S evb
tc2=$(sed -n 's/^trusted comment: //p' by-a2/bundle.age.minisig)
rm -rf cut && mkdir cut && head -c 100000 by-a2/bundle.age > cut/bundle.age
minisign -S -s ngoa.key -m cut/bundle.age -t "$tc2" < /dev/null > /dev/null 2>&1
hostile "sealed file cut inside its last chunk, signed" 1 "damaged age payload: chunk 1 failed authentication$" cut
rm -rf app && mkdir app && cp by-a2/bundle.age app/ && printf X >> app/bundle.age
minisign -S -s ngoa.key -m app/bundle.age -t "$tc2" < /dev/null > /dev/null 2>&1
hostile "sealed file with a byte appended, signed" 1 "damaged age payload: chunk [0-9]+ failed authentication$" app
check "import A's bundle" airseal-recv import st by-a
before=$(state)
check "replay of an imported bundle" airseal-recv import st by-a
grep -q "is already in the vault (custody log entry [0-9]*); nothing changed\.$" "$T/.out" && [ "$(state)" = "$before" ] && ok "replay: reported as already imported, station unchanged" || not_ok "replay changed the station"
count=$((count + 1))

# --- the USB transport: parts of a 5 MB bundle split at 2 MiB
mkdir -p big && head -c 5000000 /dev/urandom > big/v.bin
check "pack P in parts" airseal-send pack -r st/recipient.pub -s ngoa.key -o P --split 2M --case U big
check "pack Q in parts" airseal-send pack -r st/recipient.pub -s ngoa.key -o Q --split 2M --case U big
edit_header() { # FILE OLD NEW: rewrite a part header line, keeping the header 512 bytes
    python3 - "$@" <<'PY'
import sys
p, old, new = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
b = bytearray(open(p, 'rb').read())
h = bytes(b[:511]).rstrip(b' ')
assert old in h, (old, h)
b[:511] = h.replace(old, new, 1).ljust(511, b' ')
open(p, 'wb').write(bytes(b))
PY
}
beyond="bundle\.age: [0-9]+ of [0-9]+ blocks damaged or missing, [0-9]+ of [0-9]+ parity blocks usable; damaged beyond repair"
rm -rf u && cp -r P u && edit_header u/bundle.age.part002 "part: 2 of 3" "part: 2 of 4"
hostile "a part claiming another part count" 1 "$beyond" u
rm -rf u && cp -r P u && edit_header u/bundle.age.part002 "offset: 2093056" "offset: 2093057"
hostile "a part claiming a shifted offset" 1 "$beyond" u
rm -rf u && cp -r P u && edit_header u/bundle.age.part003 "object-size: 5005" "object-size: 9005"
hostile "a part claiming another object size" 1 "$beyond" u
rm -rf u && mkdir u && cp P/bundle.age.part001 P/bundle.age.part002 Q/bundle.age.part003 P/bundle.index P/bundle.age.minisig P/bundle.parity.part001 u/
hostile "parts of two bundles mixed" 1 "the sources hold more than one bundle \([0-9a-f]{32}, and [0-9a-f]{32} in u/bundle\.age\.part003\); import one bundle at a time$" u
rm -rf u && cp -r P u && cp Q/bundle.index u/
hostile "the index of another bundle" 1 "the sources hold more than one bundle" u
rm -rf u && cp -r P u && cp Q/bundle.parity.part001 u/
hostile "the parity of another bundle" 1 "the sources hold more than one bundle" u
rm -rf u && mkdir u && cp P/bundle.age.part001 P/bundle.index P/bundle.age.minisig u/
hostile "two of three parts and all parity missing" 1 "$beyond" u
rm -rf u && mkdir u && cp P/bundle.index u/
hostile "an index alone" 1 "no bundle\.age and no part of it in the sources \(1 files looked at\)$" u
rm -rf u && mkdir u && cp P/bundle.age.part00* u/
hostile "parts without any signature" 1 "no signature \(bundle\.age\.minisig or bundle\.index\) in the sources$" u
rm -rf u && cp -r P u && (cd u && for i in $(seq 1 4097); do : > "junk$i"; done)
hostile "a stick with 4097 more files" 1 "more than 4096 files in the sources$" u
# conflicting copies: the copy that matches the index wins, the other is damage
before=$(state)
rm -rf u && cp -r P u && mkdir u/again && cp P/bundle.age.part002 u/again/ && flip_byte u/again/bundle.age.part002 10000
check "two conflicting copies of a part: the one that matches the index is used" airseal-recv import st u
b=$(ls st/vault/U)
diff -r big "st/vault/U/$b/evidence/big" > /dev/null && ok "conflicting copies: evidence intact" || not_ok "evidence differs"
count=$((count + 1))
# renamed parts are found by content
check "pack R in parts" airseal-send pack -r st/recipient.pub -s ngoa.key -o Rb --split 2M --case R big
mv Rb/bundle.age.part001 Rb/zz && mv Rb/bundle.age.part003 Rb/bundle.age.part001 && mv Rb/zz Rb/bundle.age.part003 && mv Rb/bundle.parity.part001 Rb/stuff.bin
check "parts renamed and shuffled: found by their content" airseal-recv import st Rb
count=$((count + 1))

# --- the auditor's view: a custody log or receipt edited after the fact
cp st/custody.log log.orig
python3 -c "
l = open('log.orig').read().split('\n'); l[1] = l[1].replace(':', '-', 1); open('log.edited', 'w').write('\n'.join(l))"
expect 1 "custody log entry 2 \(line 2\)" "an edited custody log entry is named" -- airseal-recv verify -p st/station.pub log.edited
python3 -c "
l = open('log.orig').read().split('\n'); del l[2]; open('log.cut', 'w').write('\n'.join(l))"
expect 1 "custody log entry 3 \(line 3\): sequence number 4, expected 3 \(entry missing, duplicated or moved\)$" "a deleted custody log entry is named" -- airseal-recv verify -p st/station.pub log.cut
head -n -1 log.orig > log.short
n=$(wc -l < log.orig)
cp st/custody.checkpoint log.short.checkpoint && cp st/custody.tree log.short.tree
expect 1 "^airseal-recv: error: the custody log holds $((n - 1)) entries but its signed checkpoint covers $n: entries were removed$" \
    "a log cut at its end: the signed checkpoint names the removal (a hash chain alone could not)" -- airseal-recv verify -p st/station.pub log.short
rm log.short.checkpoint
expect 1 "log.short.checkpoint is missing, but the custody log is a Merkle tree log$" \
    "a tree log without its checkpoint is refused" -- airseal-recv verify -p st/station.pub log.short
rc=$(ls st/receipts/*.receipt | head -1)
sed 's/^files: .*/files: 99/' "$rc" > forged.receipt && cp "$rc.minisig" forged.receipt.minisig
expect 1 "signature verification failed \(data modified or signature forged\)$" "an edited receipt is refused" -- airseal-send verify-receipt -p st/station.pub forged.receipt
count=$((count + 3))

diag "$count hostile inputs here, plus the archive attacks of hostile_archives.sh"
[ "$count" -ge 25 ] && ok "$count hostile inputs checked" || not_ok "only $count hostile inputs"
check "the custody log still verifies" airseal-recv verify --station st st/custody.log
done_testing
