#!/usr/bin/env bash
# Damage on the way: corrupted, cut-off, zero-filled and missing data are repaired from
# parity up to the redundancy share, and say what was repaired; beyond it, import fails with
# one clear line and changes nothing.
. "$AIRSEAL_ROOT/tests/lib.sh"

check "keygen" airseal-send keygen -o ngo --no-passphrase
check "init" airseal-recv init st --no-passphrase
check "trust" airseal-recv trust st add ngo.pub --yes
mkdir ev && head -c 1000000 /dev/urandom > ev/video.bin && printf 'note\n' > ev/n.txt
check "pack (default 5% redundancy)" airseal-send pack -r st/recipient.pub -s ngo.key -o good ev
field() { sed -n "s/^$1: //p" good/bundle.index; }
B=$(field block-size) K=$(field data-blocks) M=$(field parity-blocks) S=$(field stripes)
diag "block $B, $K data blocks in $S stripes, $M parity blocks"
[ "$M" -ge $((K * 5 / 100)) ] && ok "parity is at least 5% of the data blocks" || not_ok "parity $M for $K blocks"
state() { (cd st && find vault receipts staging -printf '%p %s %m\n' | LC_ALL=C sort && cat custody.log) | sha256sum; }

# Corrupts COUNT consecutive blocks of FILE starting at block FIRST (one byte in each).
corrupt_blocks() {
    python3 - "$@" <<'PY'
import sys
path, first, count, block = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
b = bytearray(open(path, 'rb').read())
for i in range(first, first + count):
    off = i * block + (i * 7919) % block
    if off < len(b):
        b[off] ^= 0x5a
open(path, 'wb').write(bytes(b))
PY
}
fresh() { rm -rf "$1" && cp -r good "$1"; }
imported() { # dir description
    local rc
    rm -rf stx && cp -a st stx
    airseal-recv import stx "$1" > "$T/.out" 2> "$T/.err"; rc=$?
    if [ $rc = 0 ] && diff -r ev "stx/vault/unassigned/$(ls stx/vault/unassigned)/evidence/ev" > /dev/null; then
        ok "$2"
    else
        not_ok "$2 (exit $rc)"; sed 's/^/#   /' "$T/.err" | head -3
    fi
}
repaired() { grep -qE "^Repaired: $1 damaged or missing blocks?" "$T/.out" && ok "import says it repaired $1 block(s)" || not_ok "repair report: $(grep Repaired "$T/.out")"; }
refused() { # dir regex description
    local before; before=$(state)
    expect 1 "$2" "$3" -- airseal-recv import st "$1"
    [ "$(state)" = "$before" ] && ok "$3: station unchanged" || not_ok "$3: station changed"
    need_clean st "$3: no temporary files"
}

share=$((M / S))   # parity blocks per stripe (the smallest stripe has at least this many)
burst=$((share * S))
fresh d1 && corrupt_blocks d1/bundle.age 3 "$burst" "$B"
imported d1 "a burst of $burst corrupted blocks (the redundancy share) is repaired"
repaired "$burst"

fresh d2 && corrupt_blocks d2/bundle.age 0 1 "$B"
imported d2 "damage to the first block (the age header) is repaired"
repaired 1

fresh d3 && truncate -s $(( $(stat -c %s good/bundle.age) - (burst - 1) * B )) d3/bundle.age
imported d3 "a cut-off bundle.age (interrupted copy) is repaired"

fresh d4 && python3 -c "
import sys; p='d4/bundle.age'; b=bytearray(open(p,'rb').read()); n=($burst-1)*$B
b[len(b)-n:] = bytes(n); open(p,'wb').write(bytes(b))"
imported d4 "a zero-filled end of bundle.age is repaired"

fresh d5 && rm d5/bundle.age.minisig
imported d5 "a lost signature file is recovered from the index"

fresh d6 && flip_byte d6/bundle.index 300
imported d6 "a damaged index with an intact bundle.age imports"

fresh d7 && flip_byte d7/bundle.parity 4000
imported d7 "damaged parity with an intact bundle.age imports"

# Beyond the parity.
fresh b1 && corrupt_blocks b1/bundle.age 3 $((burst + 2 * S)) "$B"
refused b1 "damaged beyond repair" "damage beyond the parity is refused"
fresh b2 && rm b2/bundle.parity && corrupt_blocks b2/bundle.age 10 1 "$B"
refused b2 "damaged beyond repair|no parity|cannot be repaired" "damage without parity is refused"
fresh b3 && truncate -s $((3 * B)) b3/bundle.age
refused b3 "damaged beyond repair" "a bundle.age cut to 3 blocks is refused"

# Split parts at 50% redundancy: losing a whole part within the share is repaired.
mkdir big && head -c 3500000 /dev/urandom > big/video.bin
check "pack --split 2M --redundancy 50" airseal-send pack -r st/recipient.pub -s ngo.key -o parts --split 2M --redundancy 50 big
last=$(ls parts/bundle.age.part* | tail -1)
rm -rf p1 && cp -r parts p1 && rm "p1/$(basename "$last")"
rm -rf stx && cp -a st stx
check "a lost part within the share is repaired" airseal-recv import stx p1
grep -q "^Repaired: " "$T/.out" && ok "the lost part is reported as repaired" || not_ok "no repair report"
rm -rf p2 && cp -r parts p2 && truncate -s 1000000 "p2/$(basename "$last")"
rm -rf stx && cp -a st stx
check "a truncated part within the share is repaired" airseal-recv import stx p2
rm -rf p3 && cp -r parts p3 && rm p3/bundle.age.part001 p3/bundle.parity.part*
refused p3 "damaged beyond repair|missing" "a lost part without parity is refused"

done_testing
