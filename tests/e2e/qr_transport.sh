#!/usr/bin/env bash
# QR transport: bundle -> frames (PNG, PDF, player) -> scan -> import, with lost, damaged,
# printed, played and hostile frames.
. "$AIRSEAL_ROOT/tests/lib.sh"
A=astool
check "keygen" airseal-send keygen -o ngo --no-passphrase
check "init" airseal-recv init st --no-passphrase
check "trust" airseal-recv trust st add ngo.pub --yes
[ -f st/recipient.png ] && ok "init writes the recipient as a QR PNG" || not_ok "no recipient.png"
mkdir -p ev/photos && head -c 190000 /dev/urandom > ev/photos/p1.jpg && printf 'témoignage\n' > "ev/déclaration.txt" && : > ev/empty
check "pack to the recipient QR PNG" airseal-send pack -r st/recipient.png -s ngo.key -o b --case QR-1 ev
check "qr" airseal-send qr b -o fr
grep -q "^Wrote [0-9]* QR frames for bundle" "$T/.out" && ok "qr says what it wrote" || not_ok "qr summary"
n=$(ls fr/frame-*.png | wc -l)
[ "$n" -gt 150 ] && ok "$n frame PNGs" || not_ok "$n frames"
[ -s fr/frames.pdf ] && [ -s fr/player.html ] && ok "frames.pdf and player.html written" || not_ok "pdf/player missing"
grep -qE 'src=.http|href=.http|<link|@import|url\(' fr/player.html && not_ok "player.html refers to something outside itself" || ok "player.html is self-contained"
zbarimg -q --raw -Sbinary fr/frame-00001.png 2>/dev/null | head -c 3 | grep -q ASQ && ok "stock zbarimg reads a frame (byte mode, no ECI)" || not_ok "zbarimg cannot read a frame"
cp -a st base

# 1. round trip
check "import from the frame PNGs" airseal-recv import st fr
b=$(ls st/vault/QR-1)
diff -r ev "st/vault/QR-1/$b/evidence/ev" > /dev/null && ok "imported evidence identical" || not_ok "evidence differs"
check "receipt verifies" airseal-send verify-receipt -p st/station.pub "st/receipts/$b.receipt" --bundle b
grep -q " transport=qr " st/custody.log && ok "custody log records the QR transport" || not_ok "transport not logged"
[ -z "$(ls -A st/scan-cache 2>/dev/null)" ] && ok "scan cache empty after a complete import" || not_ok "scan cache left"

# 2. loss: 10% of the frames deleted at random, 20 seeds (3 under make check-valgrind, where
# each import decodes at about 4 frames a second; the sanitizer run keeps all 20)
nseeds=20
[ "${AIRSEAL_VALGRIND:-0}" = 1 ] && nseeds=3
fails=0
for seed in $(seq 1 "$nseeds"); do
    rm -rf lossy stx && cp -r fr lossy && cp -a base stx
    ls lossy/frame-*.png | python3 -c "
import random, sys, os
files = sys.stdin.read().split(); random.seed($seed)
for f in random.sample(files, len(files) // 10): os.unlink(f)"
    airseal-recv import stx lossy > /dev/null 2> err || { fails=$((fails + 1)); diag "seed $seed: $(cat err)"; }
done
[ "$fails" = 0 ] && ok "10% of frames lost ($nseeds seeds): every import succeeds" || not_ok "$fails of $nseeds lossy imports failed"

# 40% lost: a clear failure naming the missing frames; rescanning only those completes it
rm -rf lossy stx && cp -r fr lossy && cp -a base stx
ls lossy/frame-*.png | python3 -c "
import random, sys, os
files = sys.stdin.read().split(); random.seed(99)
for f in random.sample(files, len(files) * 4 // 10): os.unlink(f)"
expect 1 "not enough frames: [0-9]+ more needed; rescan any [0-9]+ of these [0-9]+ frames: [0-9]" "40% lost: exit 1 naming the missing frames" -- airseal-recv import stx lossy
[ -n "$(ls -A stx/scan-cache)" ] && ok "the frames read are kept in the scan cache" || not_ok "scan cache empty"
[ -z "$(ls stx/vault)" ] && ok "nothing in the vault after the failed scan" || not_ok "vault changed"
mkdir -p rescan
cat stx/scan-cache/*/missing.txt | tr ',' '\n' | while read -r r; do
    [ -n "$r" ] || continue; a=${r%-*}; z=${r#*-}
    for i in $(seq "$a" "$z"); do cp "fr/$(printf 'frame-%05d.png' "$i")" rescan/; done
done
diag "rescanning $(ls rescan | wc -l) frames"
check "rescanning just the named frames completes the import" airseal-recv import stx rescan
grep -q "from earlier scans" "$T/.out" && ok "import used the frames kept from the first scan" || not_ok "cache not used"
[ -z "$(ls -A stx/scan-cache)" ] && ok "scan cache emptied after completion" || not_ok "scan cache left"

# 3. damage: each transformation on a sample of frames, then all of them together
mkdir dmg
for t in "rotate|-rotate 7|png" "scale|-resize 60%|png" "blur|-blur 0x1|png" "jpeg|-quality 50|jpg" \
         "noise|-attenuate 0.05 +noise Impulse|png" "all|-rotate 7 -resize 60% -blur 0x1 -attenuate 0.05 +noise Impulse -quality 50|jpg"; do
    IFS='|' read -r name ops ext <<< "$t"
    rm -f dmg/*
    for i in 1 7 50 101 150; do convert "fr/$(printf 'frame-%05d.png' $i)" $ops "dmg/$i.$ext"; done
    $A qr-decode dmg/* > dec.txt 2>&1
    grep -q "^images 5 codes 5 frames 5 " dec.txt && ok "frames survive damage: $name" || not_ok "damage $name: $(cat dec.txt)"
done
rm -rf jpg stx && mkdir jpg && cp -a base stx
for f in fr/frame-*.png; do convert "$f" -rotate 7 -resize 60% -blur 0x1 -quality 50 "jpg/$(basename "$f" .png).jpg"; done
check "import from rotated, scaled, blurred JPEG frames" airseal-recv import stx jpg

# 4. the printed PDF, rendered at 150 dpi, decodes back into the bundle
rm -rf pages stx && mkdir pages && cp -a base stx
pdftoppm -r 150 -png fr/frames.pdf pages/p && ok "pdftoppm renders frames.pdf" || not_ok "pdftoppm"
check "import from the PDF pages" airseal-recv import stx pages
grep -q "^Frames: " "$T/.out" && ok "import reports the frames it read" || not_ok "frames report"

# 5. player.html in headless Chromium: screenshots at several moments show distinct frames
idx=""
for ms in 300 1300 2300; do
    rm -f shot.png
    timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=900,900 \
        --virtual-time-budget=$ms --screenshot="$T/shot.png" "file://$T/fr/player.html#fps=5&size=800" > /dev/null 2>&1
    i=$(zbarimg -q --raw -Sbinary shot.png 2>/dev/null | python3 -c "
import sys, struct
b = sys.stdin.buffer.read()
print(struct.unpack('>I', b[33:37])[0] + 1 if b[:3] == b'ASQ' else 'none')")
    idx="$idx $i"
done
diag "player frames at 0.3 s, 1.3 s, 2.3 s:$idx"
[ "$(echo $idx | tr ' ' '\n' | grep -v none | sort -u | wc -l)" = 3 ] && ok "player screenshots decode to 3 distinct frames" || not_ok "player frames:$idx"

# 6. hostile frames
H="python3 $AIRSEAL_ROOT/tests/hostile/craft-frames.py"
state() { (cd stx && find vault receipts staging -printf '%p %s\n' | LC_ALL=C sort && cat custody.log) | sha256sum; }
rm -rf hf stx && cp -r fr hf && cp -a base stx
$H huge-count fr/frame-00002.png hf/x-huge.png && $H bad-crc fr/frame-00003.png hf/x-badcrc.png && \
$H bad-magic fr/frame-00004.png hf/x-magic.png && $H conflict fr/frame-00005.png hf/x-conflict.png && \
$H other-bundle fr/frame-00006.png hf/x-other.png && ok "hostile frames crafted" || not_ok "crafting"
check "import with hostile frames mixed in succeeds from parity" airseal-recv import stx hf
grep -q "1 conflicting (kept apart)" "$T/.out" && ok "a conflicting block is counted and kept apart" || not_ok "conflict count: $(grep Frames "$T/.out")"
grep -q "3 corrupt" "$T/.out" && ok "2^32 blocks, bad CRC and bad magic are counted as corrupt" || not_ok "corrupt count: $(grep Frames "$T/.out")"
grep -q "1 of another bundle (ignored)" "$T/.out" && ok "a frame of another bundle is counted and ignored" || not_ok "other-bundle count"
# Frames of two whole bundles mixed: the larger set is imported, the other reported.
check "a second bundle" airseal-send pack -r st/recipient.pub -s ngo.key -o b2 --case QR-2 ev/déclaration.txt
check "its frames" airseal-send qr b2 -o fr2
rm -rf mixed stx && mkdir mixed && cp fr/*.png mixed/ && for f in fr2/*.png; do cp "$f" "mixed/b2-$(basename "$f")"; done && cp -a base stx
check "import of two bundles' frames mixed" airseal-recv import stx mixed
grep -qE "[0-9]+ of another bundle \(ignored\)" "$T/.out" && [ -n "$(ls stx/vault/QR-1)" ] && ok "mixed frames: the main bundle imports, the other is reported" || not_ok "mixed report"
# A forged block with a valid CRC and no genuine copy: its stripe holds more blocks than it
# needs, and the codeword most of them agree with leaves it out (docs/FORMAT.md 10.4); a
# forgery parity cannot outvote is refused by the signature (tests/e2e/hostile_frames.sh).
rm -rf forged stx && cp -r fr forged && cp -a base stx
$H garbage fr/frame-00010.png forged/frame-00010.png
check "a valid-CRC garbage block without its genuine copy is outvoted by parity" airseal-recv import stx forged
[ -n "$(ls stx/vault/QR-1)" ] && ok "the genuine bundle is imported despite the forged block" || not_ok "not imported"
# Images without any airseal frame
mkdir noframes && cp st/recipient.png noframes/ && convert -size 50x50 xc:white noframes/white.png
expect 1 "no airseal frame among 2 images" "images without frames are refused clearly" -- airseal-recv import stx noframes

done_testing
