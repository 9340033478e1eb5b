#!/usr/bin/env bash
# tests/fuzz/make-seeds.sh BUILD: regenerates the seed corpora in tests/fuzz/corpus/NAME/ from
# real airseal output and the stock tools. The committed seeds came from this script; rerun
# it after a format change (then commit the new seeds with the change).
set -euo pipefail
BUILD=$(cd "${1:?usage: make-seeds.sh BUILD}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
C=$HERE/corpus
W=$(mktemp -d) && trap 'rm -rf "$W"' EXIT
cd "$W"
export PATH=$BUILD:$PATH
rm -rf "$C" && mkdir -p "$C"
seed() { mkdir -p "$C/$1" && cp "$2" "$C/$1/$3"; }
RCPT=age1g6c00lvus5fcay6xx7fhgyhf2t48w7lrlhydz0wdk9k8uefu5gyquctftc   # fuzz_age_stream's identity

# a station, an NGO, a bundle in parts, an import: the real files
airseal-send keygen -o ngo --no-passphrase > /dev/null
airseal-recv init st --no-passphrase > /dev/null
airseal-recv trust st add ngo.pub --yes --name "Seed NGO" > /dev/null
mkdir -p ev/d && printf 'witness\n' > ev/a.txt && : > ev/d/b.txt && head -c 3000 /dev/urandom > ev/photo.jpg
airseal-send pack -r st/recipient.pub -r "$RCPT" -s ngo.key -o b --case SEED-1 ev > /dev/null
airseal-recv import st b > /dev/null
mkdir -p big && head -c 2200000 /dev/urandom > big/v.bin
airseal-send pack -r st/recipient.pub -s ngo.key -o parts --split 2M big > /dev/null

# age
head -c "$(($(grep -abo -- '--- ' b/bundle.age | head -1 | cut -d: -f1) + 48))" b/bundle.age > hdr
seed fuzz_age_header hdr bundle-header
for v in x25519 scrypt x25519_multiple_recipients; do
    f=$ROOT/tests/vectors/age/$v
    [ -f "$f" ] && python3 -c "
import sys; d = open(sys.argv[1], 'rb').read(); b = d[d.index(b'\n\n') + 2:]
i = b.find(b'\n--- '); open(sys.argv[2], 'wb').write(b[:i + 49] if i >= 0 else b)" "$f" "v-$v" && seed fuzz_age_header "v-$v" "vector-$v"
done
for n in 0 1 100 65536 65537; do
    head -c $n /dev/urandom > p$n
    age -r "$RCPT" -o "s$n" "p$n" && seed fuzz_age_stream "s$n" "stock-$n"
    age -a -r "$RCPT" -o "a$n" "p$n" && seed fuzz_age_stream "a$n" "armored-$n"
done
seed fuzz_age_stream b/bundle.age bundle
seed fuzz_armor a100 armored-100
seed fuzz_armor a65537 armored-65537
seed fuzz_age_keys st/identity.txt identity-file
seed fuzz_age_keys st/recipient.pub recipient
printf '%s\n' "$RCPT" > r && seed fuzz_age_keys r recipient-2

# minisign
seed fuzz_minisign_key ngo.pub pubkey
seed fuzz_minisign_key ngo.key seckey-unencrypted
seed fuzz_minisign_key "$HERE/keys/fuzz.pub" fuzz-pubkey
printf 'x\n' > pass && chmod 600 pass
airseal-send keygen -o enc --passphrase-file pass > /dev/null && seed fuzz_minisign_key enc.key seckey-encrypted
minisign -G -W -p stock.pub -s stock.key > /dev/null 2>&1 && seed fuzz_minisign_key stock.key seckey-stock
cp "$HERE/keys/message.txt" m.txt
minisign -S -s "$HERE/keys/fuzz.key" -m m.txt -t "airseal-bundle v1 bundle:00112233445566778899aabbccddeeff case:C-1 files:2 bytes:10 manifest:$(printf '%064d' 0)" > /dev/null
seed fuzz_minisign_sig m.txt.minisig ed-bundle-comment
minisign -S -l -s "$HERE/keys/fuzz.key" -m m.txt -x legacy.minisig > /dev/null 2>&1 && seed fuzz_minisign_sig legacy.minisig legacy
seed fuzz_minisign_sig b/bundle.age.minisig bundle-signature

# manifest and archive
age -d -i st/identity.txt b/bundle.age | tar -x manifest.txt
seed fuzz_manifest manifest.txt manifest
python3 - "$C/fuzz_archive" <<'PY'
import io, os, sys, tarfile
out = sys.argv[1]; os.makedirs(out, exist_ok=True)
def entry(t, name, data=b"", kind=tarfile.REGTYPE, link=""):
    i = tarfile.TarInfo(name); i.type = kind; i.mode = 0o644; i.mtime = 1700000000
    i.linkname = link; i.size = len(data) if kind == tarfile.REGTYPE else 0
    t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
def write(name, fn, fmt=tarfile.PAX_FORMAT):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=fmt) as t: fn(t)
    open(os.path.join(out, name), "wb").write(b.getvalue())
good = lambda t: (entry(t, "evidence/", kind=tarfile.DIRTYPE), entry(t, "evidence/a.txt", b"witness\n"),
                  entry(t, "evidence/d/", kind=tarfile.DIRTYPE), entry(t, "evidence/d/b.txt"))
write("good", good)
write("good-ustar", good, tarfile.USTAR_FORMAT)
write("good-gnu", good, tarfile.GNU_FORMAT)
write("symlink", lambda t: (entry(t, "evidence/a.txt", kind=tarfile.SYMTYPE, link="/etc/passwd"),))
write("hardlink", lambda t: (entry(t, "evidence/a.txt", b"witness\n"), entry(t, "evidence/d/b.txt", kind=tarfile.LNKTYPE, link="evidence/a.txt")))
write("dotdot", lambda t: (entry(t, "evidence/../../x", b"witness\n"),))
write("absolute", lambda t: (entry(t, "/tmp/x", b"witness\n"),))
write("duplicate", lambda t: (entry(t, "evidence/a.txt", b"witness\n"), entry(t, "evidence/a.txt", b"witness\n")))
write("case", lambda t: (entry(t, "evidence/a.txt", b"witness\n"), entry(t, "evidence/A.TXT", b"witness\n")))
write("fifo", lambda t: (entry(t, "evidence/a.txt", kind=tarfile.FIFOTYPE),))
write("extra", lambda t: (good(t), entry(t, "evidence/z.txt", b"x")))
PY

# QR frames: raw payloads, each with a 2-byte length prefix
airseal-send qr b -o fr > /dev/null
python3 - fr "$C/fuzz_frame" <<'PY'
import os, subprocess, sys
src, out = sys.argv[1], sys.argv[2]; os.makedirs(out, exist_ok=True)
frames = sorted(f for f in os.listdir(src) if f.endswith(".png"))
raw = [subprocess.run(["zbarimg", "-q", "--raw", "-Sbinary", os.path.join(src, f)],
                      capture_output=True).stdout.rstrip(b"\n") for f in frames]
pack = lambda rs: b"".join(len(r).to_bytes(2, "big") + r for r in rs)
open(os.path.join(out, "one"), "wb").write(pack(raw[:1]))
open(os.path.join(out, "all"), "wb").write(pack(raw))
open(os.path.join(out, "reversed"), "wb").write(pack(raw[::-1]))
PY

# the collector under attack: junk with genuine headers for every frame, read from the cache
# (top bit of the length) before the genuine frames; a forged block where one is missing
python3 - "$C/fuzz_frame/all" "$C/fuzz_frame" <<'PY'
import os, struct, sys, zlib
data, out = open(sys.argv[1], "rb").read(), sys.argv[2]
frames, at = [], 0
while at < len(data):
    n = int.from_bytes(data[at:at + 2], "big"); frames.append(data[at + 2:at + 2 + n]); at += 2 + n
def junk(f, seed):
    g = bytearray(f[:41]) + bytes((seed * 7 + i) & 0xff for i in range(len(f) - 41))
    g[37:41] = struct.pack(">I", zlib.crc32(bytes(g[:37]) + bytes(g[41:])) & 0xffffffff)
    return bytes(g)
pack = lambda rs, flag=0: b"".join((len(r) | flag).to_bytes(2, "big") + r for r in rs)
j = [junk(f, i) for i, f in enumerate(frames)]
open(os.path.join(out, "junk-cached-then-genuine"), "wb").write(pack(j, 0x8000) + pack(frames))
open(os.path.join(out, "junk-first"), "wb").write(pack(j) + pack(frames))
open(os.path.join(out, "lone-forgery"), "wb").write(pack(frames[1:] + j[:1]))
PY

# images: a frame PNG, the same as baseline and progressive JPEG, a tiny PNG
seed fuzz_image fr/frame-00001.png frame-png
convert fr/frame-00001.png -resize 50% -quality 60 f.jpg && seed fuzz_image f.jpg frame-jpeg
convert fr/frame-00001.png -resize 25% -interlace JPEG f-p.jpg && seed fuzz_image f-p.jpg frame-progressive
convert -size 1x1 xc:white -define png:color-type=6 t.png && seed fuzz_image t.png rgba-1x1
convert fr/frame-00001.png -resize 40% -interlace PNG i.png && seed fuzz_image i.png frame-interlaced
python3 "$ROOT/tests/hostile/craft-frames.py" png-huge-dims - "$C/fuzz_image/huge-dims"

# USB metadata, receipt, custody log, trust store
head -c 512 parts/bundle.age.part001 > part && seed fuzz_usb_meta part part-header
head -c 512 parts/bundle.parity.part001 > ppart && seed fuzz_usb_meta ppart parity-header
seed fuzz_usb_meta b/bundle.index index
seed fuzz_usb_meta parts/bundle.index index-parts
r=$(ls st/receipts/*.receipt | head -1)
seed fuzz_receipt "$r" receipt
cat "$r" "$r.minisig" > rq && seed fuzz_receipt rq receipt-qr-payload
seed fuzz_custody st/custody.log log
airseal-recv log st prove 1 -o init.tlog > /dev/null && seed fuzz_custody init.tlog proof-init
seed fuzz_trust st/trusted-signers.txt trust-store
echo "seeds written to $C: $(find "$C" -type f | wc -l) files"

# age post-quantum hybrid (fuzz_age_pq): the C2SP hybrid vectors' files (their identity is the
# harness's), and a recipient and an identity string
python3 - "$ROOT/tests/vectors/age" "$C/fuzz_age_pq" <<'PY'
import os, sys, zlib
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
for name in sorted(os.listdir(src)):
    if 'hybrid' not in name:
        continue
    d = open(os.path.join(src, name), 'rb').read()
    head, body = d.split(b'\n\n', 1)
    if b'compressed: zlib' in head:
        body = zlib.decompress(body)
    open(os.path.join(dst, 'vector-' + name), 'wb').write(body)
PY
printf 'AGE-SECRET-KEY-PQ-1HZLGZUPT4ETPKDEV8HSGFDCYZ4E522W0A7PU2LHT8EH9W6YLNC3SW78XKG\n' > pqid
seed fuzz_age_pq pqid identity
seed fuzz_age_pq "$HERE/keys/pq.recipient" recipient   # that identity's age1pq1... recipient

# transparency log (fuzz_note, fuzz_checkpoint, fuzz_tlogproof): the C2SP and Go sumdb/note
# examples, and a checkpoint of the 300 entries "entry 0".."entry 299" signed by the harnesses'
# log key (Ed25519 seed 01 02 03 00.., "airseal.test/station") and cosigned by their witness
# (seed 04 05 06 00.., "witness.test/one", at 1800000000); Ed25519 is deterministic, so these
# are what common/crypto/checkpoint.c writes for them. Regenerate them when the custody log
# writes real checkpoints and receipts.
tlog() { mkdir -p "$C/$1" && cat > "$C/$1/$2"; }
tlog fuzz_note go-two-signatures <<'TLOG'
If you think cryptography is the answer to your problem,
then you don't know what your problem is.

— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=
— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=
TLOG
tlog fuzz_note c2sp-example <<'TLOG'
This is an example message.

— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=
TLOG
tlog fuzz_checkpoint body <<'TLOG'
airseal.test/station
300
yjk9Apa+xeC43KuYO9H7fRRh9RLnJny4ljGtJv1m2Eg=
TLOG
tlog fuzz_checkpoint signed-cosigned <<'TLOG'
airseal.test/station
300
yjk9Apa+xeC43KuYO9H7fRRh9RLnJny4ljGtJv1m2Eg=

— airseal.test/station yvaVj6HsupZw459/GPF4ZB/xeCtsRYHc2L8vxES535V2dTbLL7qVi3ftW7W5/SGk/lHHLnUgGeDGXIC4gK+vxMdODgE=
— witness.test/one FqSFzAAAAABrSdIA3KFVOK/HFhukn3v737eFX7gL/oHhGQgRtOuCQ6GjHN2xXbN6S+b2y+Vg9IJU/hUe/jWrMNG5iLdXtgoQm5q6Cg==
TLOG
tlog fuzz_checkpoint signed-ext <<'TLOG'
airseal.test/station
300
yjk9Apa+xeC43KuYO9H7fRRh9RLnJny4ljGtJv1m2Eg=
airseal-extension one

— airseal.test/station yvaVjyQlrpCzvnlRqoYClYrdaQwva35plcvp3carHWu/8JnUqdlkI9b62LygMdjvIWNxwqgbH3UB/Or/8bDSb+I/igU=
TLOG
tlog fuzz_tlogproof proof-37 <<'TLOG'
c2sp.org/tlog-proof@v1
extra YnVuZGxlOjAwMTE=
index 37
sbP11xLyYtYqzTq+t4QQ8+/7mimvVLv663q6KlBQgEM=
zB5itUR0L0nRebC/2Zu2SXRwgsEVOFhdn9Pm/i4jjVY=
ukmllLjq3c3rtEpPwGrKx4ASak1e+jH+JesY8i6W4L8=
jDDy8N+BtYq16ZfTs1KCrIcTyi1z9d9GTJLNu7BE/jI=
66+Zq9y68egNSFFKSw79SoJG7LDYNECmkaqMPZ3rnts=
GgO9ng0eJjvhaOoHprLn00xWS9o7c9pqDI2kL7VtJ2A=
Ze8RuTpVMVeWmDPL1EnDybvtS4U5yk/7vMV3d6qURoU=
CwAYp5VoF7uxVS8pr5XTr7/7x3vezc1u1cmao1mHleA=
ruluENNmx7XMmcrclg/HTCS10kkNUlBQYS+Bm3Of5NU=

airseal.test/station
300
yjk9Apa+xeC43KuYO9H7fRRh9RLnJny4ljGtJv1m2Eg=

— airseal.test/station yvaVj6HsupZw459/GPF4ZB/xeCtsRYHc2L8vxES535V2dTbLL7qVi3ftW7W5/SGk/lHHLnUgGeDGXIC4gK+vxMdODgE=
— witness.test/one FqSFzAAAAABrSdIA3KFVOK/HFhukn3v737eFX7gL/oHhGQgRtOuCQ6GjHN2xXbN6S+b2y+Vg9IJU/hUe/jWrMNG5iLdXtgoQm5q6Cg==
TLOG
tlog fuzz_tlogproof frontier-300 <<'TLOG'
airseal tlog frontier v1
300
2mWW2VNp9f7zIquOTg2jsLUCNqqcijsdJG90Ecni4y4=
R6PPvsyXR0xVU54IJQIfiQiuEQthLz8fb5CIAjIj3dQ=
DSBEUTY5hE0/elclREuBapll+q6i4hRmDohxDI6axb4=
hdaXI3Hpu46sbw66WPqu67hTEa0IKLiQG+nZ414zd1k=
TLOG
cp "$C/fuzz_checkpoint/signed-cosigned" "$C/fuzz_note/signed-cosigned"
printf '%s' 'airseal.test/station+caf6958f+ASIf5faFmhpP7HkFfJ0yyNP8NW4USx2jsPkBbvbymIja' > "$C/fuzz_note/vkey-log"
printf '%s' 'witness.test/one+16a485cc+BOTle8T8S8ot3IsfL5b9/JzhZufNY5wQuBHfe1EngbNB' > "$C/fuzz_note/vkey-witness"

# shares of the station's keys (fuzz_share): a share text of the seed station, the first QR
# payload of that share (part 1 of 4), and a whole share in a single-part payload
airseal-recv shares split st -k 2 -n 3 --custodian "Amira Haddad" --custodian B --custodian C -o shares > /dev/null
seed fuzz_share shares/share-1-Amira_Haddad.txt share-hybrid
python3 - shares/share-1-Amira_Haddad.txt "$C/fuzz_share" <<'PY'
import math, re, sys
t = open(sys.argv[1], 'rb').read()
split = re.search(rb'^split: ([0-9a-f]{32})$', t, re.M).group(1).decode()
parts = math.ceil(len(t) / 1000); size = math.ceil(len(t) / parts)
open(sys.argv[2] + '/qr-part-1', 'wb').write(('airseal-share-qr v1 %s 1 1 %d\n' % (split, parts)).encode() + t[:size])
PY
cat > kat.share <<'SHARE'
airseal-share v1
station: A6A3EE12AED3DE8E
custodian: Amira Haddad
threshold: 2
shares: 3
index: 1
split: 000102030405060708090a0b0c0d0e0f
commitment: 202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
share: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g
check: 1686ba6f5cca68d0
SHARE
seed fuzz_share kat.share share-known-answer
{ printf 'airseal-share-qr v1 000102030405060708090a0b0c0d0e0f 1 1 1\n'; cat kat.share; } > qr1
seed fuzz_share qr1 qr-single-part
