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
