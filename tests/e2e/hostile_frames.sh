#!/usr/bin/env bash
# Hostile QR inputs (issue 12): a scan cache poisoned by junk frames with genuine headers,
# frames claiming huge layouts, and hostile images. One table: each row names a case, the
# maker of its input (images in in-NAME, and whatever the station held before), the expected
# exit status, the expected line (stderr for a failure; for a success, the Frames line on
# stdout), and the station afterwards: "same" (byte for byte, station_state), "cache" (byte
# for byte but for STATION/scan-cache, where frames are kept by design) or "imported". Every
# row must answer within LIMIT seconds; wall time and peak RSS of each are printed.
. "$AIRSEAL_ROOT/tests/lib.sh"
H="python3 $AIRSEAL_ROOT/tests/hostile/craft-frames.py"
LIMIT=${HOSTILE_FRAMES_LIMIT:-20} # seconds under ASan on a shared 2-core machine

check "keygen" airseal-send keygen -o ngo --no-passphrase
check "init" airseal-recv init st --no-passphrase
check "trust" airseal-recv trust st add ngo.pub --yes
mkdir ev && head -c 20000 /dev/urandom > ev/a.bin
check "pack" airseal-send pack -r st/recipient.pub -s ngo.key -o b --case HF-1 ev
check "frames" airseal-send qr b -o fr
N=$(ls fr/frame-*.png | wc -l)
# A forged bundle.age of the same size under the same id: its frames are a codeword of the
# real code (only the signature can tell them from the genuine ones).
# (bundle.age and its signature only: with bundle.parity, 'qr' would repair the change)
mkdir bf && cp b/bundle.age b/bundle.age.minisig bf/ && flip_byte bf/bundle.age 500
check "frames of a forged bundle.age" airseal-send qr bf -o frf
check "another bundle" airseal-send pack -r st/recipient.pub -s ngo.key -o b2 --case HF-2 ev
check "its frames" airseal-send qr b2 -o fr2
cp -a st base
diag "$N frames"

frame() { printf 'fr/frame-%05d.png' "$1"; }
junk() { $H garbage "$(frame "$1")" "$2"; } # valid CRC, genuine header, random block
import_quiet() { airseal-recv import "$@" > /dev/null 2>&1; }

# ---- makers: each fills in-$1 (and may run a first import into st)
mk_junk_few() { for i in 2 5 9; do junk "$i" "$1/a-junk-$i.png" || return; done; cp fr/*.png "$1/"; }
mk_junk_parity() { for i in $(seq 1 $((N - K))); do junk "$i" "$1/a-junk-$i.png" || return; done; cp fr/*.png "$1/"; }
mk_junk_all() { for i in $(seq 1 "$N"); do junk "$i" "$1/a-junk-$i.png" || return; done; cp fr/*.png "$1/"; }
mk_junk_only() { for i in $(seq 1 "$N"); do junk "$i" "$1/a-junk-$i.png" || return; done; }
mk_after_poison() { mkdir pz && mk_junk_only pz && import_quiet st pz; cp fr/*.png "$1/"; }
mk_forged_first() { for f in frf/*.png; do cp "$f" "$1/a-$(basename "$f")"; done; cp fr/*.png "$1/"; }
mk_forged_only() { cp frf/*.png "$1/"; }
# junk and genuine for every frame, junk read first for odd frames and last for even ones:
# no single rule (freshest, first, last) picks the genuine blocks of a whole stripe
mk_tangled() {
    for i in $(seq 1 "$N"); do
        if [ $((i % 2)) = 1 ]; then junk "$i" "$1/f$(printf %05d "$i")-a.png" && cp "$(frame "$i")" "$1/f$(printf %05d "$i")-b.png"
        else cp "$(frame "$i")" "$1/f$(printf %05d "$i")-a.png" && junk "$i" "$1/f$(printf %05d "$i")-b.png"; fi || return
    done
}
mk_rescan_named() {
    mkdir tg && mk_tangled tg && import_quiet st tg
    tr ',' '\n' < st/scan-cache/*/missing.txt | while read -r r; do
        [ -n "$r" ] || continue; a=${r%-*}; z=${r#*-}
        for i in $(seq "$a" "$z"); do cp "$(frame "$i")" "$1/"; done
    done
}
mk_same_prefix() { for f in fr2/*.png; do $H relabel "$f" "$1/a-$(basename "$f")" fr/frame-00001.png || return; done; cp fr/*.png "$1/"; }
mk_many_candidates() {
    for j in $(seq 1 200); do junk 1 "$1/a-junk-$j.png" || return; done
    for i in $(seq 2 $((K / 2))); do cp "$(frame "$i")" "$1/"; done
}
mk_huge_layout() { $H huge-layout fr/frame-00001.png "$1/x.png"; }
mk_max_stripes() { $H max-stripes fr/frame-00001.png "$1/x.png"; }
mk_png_huge_dims() { $H png-huge-dims - "$1/x.png"; }
mk_png_ztxt_bomb() { cp fr/*.png "$1/" && $H png-ztxt-bomb fr/frame-00001.png "$1/frame-00001.png"; }
mk_png_idat_bomb() { $H png-idat-bomb - "$1/x.png"; }
mk_png_1x1() { $H png-1x1 - "$1/x.png"; }
mk_png_truncated() { $H png-truncated fr/frame-00001.png "$1/x.png"; }
mk_jpeg_scans() { convert -size 256x256 plasma:fractal -interlace JPEG p.jpg && $H jpeg-scans p.jpg "$1/x.jpg"; }
mk_jpeg_truncated() { convert fr/frame-00001.png -quality 90 j.jpg && head -c $(($(stat -c %s j.jpg) / 3)) j.jpg > "$1/x.jpg"; }
mk_fifo_in_folder() { cp fr/*.png "$1/" && mkfifo "$1/frame-00000.png"; }

# the data blocks K, from a clean import's summary
rm -rf st && cp -a base st
airseal-recv import st fr > out.txt 2>&1
K=$(sed -n 's/.*(\([0-9]*\) data blocks needed of [0-9]*)\./\1/p' out.txt)
diag "K=$K data frames, $((N - K)) parity"

IMPORTED="^Frames: +[0-9]+ images read"
UNREAD="no airseal frame among 1 image"
# name | maker | status | line (anchored) | station afterwards
ROWS=$(cat <<EOF
junk before the genuine frames, 3 of them|mk_junk_few|0|${IMPORTED}, [0-9]+ QR codes: $N new blocks, 3 conflicting \(kept apart\) \($K data blocks needed of $N\)\.$|imported
junk before the genuine frames, as many as the parity|mk_junk_parity|0|${IMPORTED}, [0-9]+ QR codes: $N new blocks, $((N - K)) conflicting \(kept apart\) \($K data blocks needed of $N\)\.$|imported
junk before the genuine frames for every frame|mk_junk_all|0|${IMPORTED}, [0-9]+ QR codes: $N new blocks, $N conflicting \(kept apart\) \($K data blocks needed of $N\)\.$|imported
junk only, for every frame: refused by the signature, kept|mk_junk_only|1|bundle\.age.*; rescan these $N frames: 1-$N; the frames held are kept in st/scan-cache/[0-9a-f]{16}-[0-9-]+$|cache
the genuine frames after a poisoned cache|mk_after_poison|0|${IMPORTED}, [0-9]+ QR codes: $N new blocks, $N from earlier scans, $N conflicting \(kept apart\) \($K data blocks needed of $N\)\.$|imported
a forged consistent codeword read before the genuine one|mk_forged_first|0|${IMPORTED}, [0-9]+ QR codes: $N new blocks, $((K - 1)) duplicates, $((N - K + 1)) conflicting \(kept apart\) \($K data blocks needed of $N\)\.$|imported
a forged consistent codeword alone|mk_forged_only|1|bundle\.age: signature verification failed \(data modified or signature forged\); rescan these $N frames: 1-$N; the frames held are kept in st/scan-cache/[0-9a-f]{16}-[0-9-]+$|cache
junk and genuine tangled for every frame|mk_tangled|1|bundle\.age.*; rescan these $N frames: 1-$N; the frames held are kept in st/scan-cache/[0-9a-f]{16}-[0-9-]+$|cache
rescanning the named frames after the tangle|mk_rescan_named|0|${IMPORTED}, [0-9]+ QR codes: $N new blocks, $N from earlier scans, [0-9]+ duplicates?, $N conflicting \(kept apart\) \($K data blocks needed of $N\)\.$|imported
another bundle's frames under the same 8-byte id|mk_same_prefix|0|${IMPORTED}, [0-9]+ QR codes: $N new blocks, $N conflicting \(kept apart\) \($K data blocks needed of $N\)\.$|imported
200 junk blocks for one frame|mk_many_candidates|1|not enough frames: [0-9]+ more needed; rescan any [0-9]+ of these [0-9]+ frames: 1, $((K / 2 + 1))-$N; the $((K / 2)) frames held are kept in st/scan-cache/[0-9a-f]{16}-[0-9-]+ \(list in missing\.txt there\)$|cache
one frame claiming 64 MiB in 16-byte blocks|mk_huge_layout|1|not enough frames: 4194304 more needed; rescan any 4194304 of these 5456904 frames: 1-5456904; the 1 frames held are kept in st/scan-cache/[0-9a-f]{16}-67108864-1-16-30 \(list in missing\.txt there\)$|cache
one frame claiming the most stripes|mk_max_stripes|1|not enough frames: 4194304 more needed; rescan any 4194304 of these 8388609 frames: 1-8388609; the 1 frames held are kept in st/scan-cache/[0-9a-f]{16}-67108864-1-16-100 \(list in missing\.txt there\)$|cache
a 100000x100000 PNG of 69 bytes|mk_png_huge_dims|1|${UNREAD} \(1 unreadable: in/x\.png: oversized PNG image \(Image width exceeds user limit in IHDR\), 0 without a QR code, 0 other or damaged codes\)$|same
zTXt and iCCP chunks inflating to 320 MiB|mk_png_ztxt_bomb|0|${IMPORTED}, [0-9]+ QR codes: $N new blocks \($K data blocks needed of $N\)\.$|imported
a 64-megapixel PNG of 65 KiB|mk_png_idat_bomb|1|${UNREAD} \(0 unreadable, 1 without a QR code, 0 other or damaged codes\)$|same
a 1x1 PNG|mk_png_1x1|1|${UNREAD} \(0 unreadable, 1 without a QR code, 0 other or damaged codes\)$|same
a truncated PNG|mk_png_truncated|1|${UNREAD} \(1 unreadable: in/x\.png: damaged or unsupported PNG image \(truncated PNG\), 0 without a QR code, 0 other or damaged codes\)$|same
a progressive JPEG with 5000 scans|mk_jpeg_scans|1|${UNREAD} \(1 unreadable: in/x\.jpg: oversized JPEG image \(more than 100 progressive scans\), 0 without a QR code, 0 other or damaged codes\)$|same
a truncated JPEG|mk_jpeg_truncated|1|${UNREAD} \(0 unreadable, 1 without a QR code, 0 other or damaged codes\)$|same
a FIFO named .png among the frames|mk_fifo_in_folder|0|${IMPORTED}, [0-9]+ QR codes: $N new blocks \($K data blocks needed of $N\)\.$|imported
EOF
)

state_but_cache() { rm -rf sc && cp -a "$1" sc && rm -rf sc/scan-cache && station_state sc; }
worst_t=0 worst_m=0 worst_name=""
rows=0
# rows come on fd 3: nothing a maker or the import runs can read them from stdin
while IFS='|' read -r name maker status line after <&3; do
    rows=$((rows + 1))
    rm -rf st in pz tg && cp -a base st && mkdir in
    $maker in > maker.log 2>&1 < /dev/null || { not_ok "$name: making the input failed"; sed 's/^/#   /' maker.log | tail -3; continue; }
    before=$(station_state st) before_nc=$(state_but_cache st)
    /usr/bin/time -f '%e %M' -o time.txt airseal-recv import st in > out.txt 2> err.txt < /dev/null
    rc=$?
    read -r secs kib < <(tail -1 time.txt)
    diag "$(printf '%-56s %6.2f s %8d KiB' "$name" "$secs" "$kib")"
    if [ "$status" = 0 ]; then
        [ "$rc" = 0 ] && [ ! -s err.txt ] && grep -qE -- "$line" out.txt && ok "$name: imported, nothing on stderr" ||
            { not_ok "$name: expected status 0 and /$line/, got $rc"; sed 's/^/#   /' err.txt out.txt | head -5; }
    else
        [ "$rc" = "$status" ] && [ "$(wc -l < err.txt)" = 1 ] && grep -qE -- "$line" err.txt && ok "$name: exit $status, one line" ||
            { not_ok "$name: expected status $status and one line /$line/, got $rc and $(wc -l < err.txt) line(s)"; sed 's/^/#   /' err.txt | head -3; }
    fi
    case $after in
    same) [ "$(station_state st)" = "$before" ] && ok "$name: station unchanged, byte for byte" || not_ok "$name: station changed" ;;
    cache) [ "$(state_but_cache st)" = "$before_nc" ] && [ -n "$(ls st/scan-cache)" ] &&
        ok "$name: station unchanged but for the frames kept in scan-cache" || not_ok "$name: station changed outside scan-cache" ;;
    imported) [ -n "$(ls st/vault/HF-1 2>/dev/null)" ] && [ -z "$(ls -A st/scan-cache 2>/dev/null)" ] &&
        ok "$name: bundle in the vault, scan cache emptied" || not_ok "$name: not imported" ;;
    esac
    awk -v s="$secs" -v l="$LIMIT" 'BEGIN { exit !(s < l) }' && ok "$name: answered in $secs s" || not_ok "$name: took $secs s (limit $LIMIT)"
    awk -v s="$secs" -v w="$worst_t" 'BEGIN { exit !(s > w) }' && worst_t=$secs worst_name=$name
    [ "$kib" -gt "$worst_m" ] && worst_m=$kib
    # the cache stays bounded: at most AS_FRAME_MAX_CANDIDATES (4) blocks per frame number
    if [ "$maker" = mk_many_candidates ]; then
        c=$(ls st/scan-cache/*/00000001-*.frame | wc -l)
        [ "$c" -le 4 ] && ok "$name: $c blocks kept for frame 1 (at most 4)" || not_ok "$name: $c blocks kept for frame 1"
    fi
done 3<<< "$ROWS"
[ "$rows" -ge 12 ] && ok "$rows table rows" || not_ok "only $rows rows"
diag "worst: $worst_t s ($worst_name), peak RSS $worst_m KiB"

# An explicitly named FIFO is refused by type, without blocking.
rm -rf st && cp -a base st && mkfifo lone.png
before=$(station_state st)
expect 1 "^airseal-recv: error: lone\.png is not a file or a folder$" "a FIFO named .png given as the source" -- timeout 20 airseal-recv import st lone.png
[ "$(station_state st)" = "$before" ] && ok "FIFO: station unchanged" || not_ok "FIFO: station changed"

done_testing
