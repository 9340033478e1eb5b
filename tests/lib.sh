# tests/lib.sh: helpers for shell tests, which print TAP.
#
#   ok DESC / not_ok DESC        record a result
#   check DESC CMD...            CMD must succeed
#   expect STATUS REGEX DESC -- CMD...
#                                CMD must exit with STATUS and print exactly one line on
#                                stderr, matching the extended REGEX
#   need_clean DIR DESC          DIR must hold no temporary or partial file
#
# Every test runs in its own temporary directory $T, removed at exit.
set -u
T_N=0
T=$(mktemp -d "${TMPDIR:-/tmp}/airseal-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
: "${AIRSEAL_ROOT:?run through tests/run.sh}"
VECTORS=${AIRSEAL_VECTORS}

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); echo "not ok $T_N - $*"; }
diag() { echo "# $*"; }

check() {
    local desc=$1; shift
    if "$@" > "$T/.out" 2> "$T/.err"; then
        ok "$desc"
    else
        not_ok "$desc (exit $?)"
        sed 's/^/#   /' "$T/.err" | head -5
    fi
}

expect() {
    local status=$1 regex=$2 desc=$3; shift 3
    [ "$1" = -- ] && shift
    "$@" > "$T/.out" 2> "$T/.err"
    local rc=$? lines
    lines=$(wc -l < "$T/.err" | tr -d ' ')
    if [ "$rc" = "$status" ] && [ "$lines" = 1 ] && grep -qE -- "$regex" "$T/.err"; then
        ok "$desc"
    else
        not_ok "$desc: expected status $status and one line matching /$regex/, got $rc and $lines line(s)"
        sed 's/^/#   /' "$T/.err" | head -5
    fi
}

# The directory must not contain leftovers of an interrupted write (our temporaries are
# hidden ".NAME.tmp-XXXXXX" files).
need_clean() {
    local dir=$1 desc=$2 junk
    junk=$(find "$dir" -name '.*.tmp-*' 2>/dev/null | head -3)
    if [ -z "$junk" ]; then ok "$desc"; else not_ok "$desc: leftovers $junk"; fi
}

# Flips one bit of byte OFFSET (0-based) of FILE in place.
flip_byte() {
    python3 - "$1" "$2" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, 'rb').read())
b[off] ^= 0x01
open(p, 'wb').write(bytes(b))
PY
}

# Replaces the base64 character at OFFSET of FILE by another valid one ('A', or 'B' if it
# was 'A'): the text still decodes, so the signature check itself must catch the change.
swap_b64_char() {
    python3 - "$1" "$2" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, 'rb').read())
b[off] = ord('B') if b[off] == ord('A') else ord('A')
open(p, 'wb').write(bytes(b))
PY
}

# Prints one SHA-256 over everything a station holds, byte for byte: every path below DIR
# (type, mode, target of a link, content of a file), sorted; the lock file is left out
# (flock, not content, is its meaning). Equal digests mean an unchanged station.
station_state() {
    local dir=$1
    (cd "$dir" && find . -path ./.lock -prune -o -printf '%y %m %p %l\n' | LC_ALL=C sort &&
        find . -path ./.lock -prune -o -type f -print0 | xargs -0 -r sha256sum | LC_ALL=C sort) |
        sha256sum | cut -d' ' -f1
}

done_testing() { echo "1..$T_N"; }

# Copies the real programs NAMES (airseal-send, airseal-recv, tools) into $T/ubin, reachable
# by another user: tests that run them as nobody must not depend on the build folder's
# parents being enterable (a clone in a private directory is not).
user_bins() {
    mkdir -p "$T/ubin" && chmod 755 "$T" "$T/ubin"
    local n
    for n in "$@"; do
        if [ -x "$AIRSEAL_BUILD/$n" ]; then cp "$AIRSEAL_BUILD/$n" "$T/ubin/"; else cp "$AIRSEAL_BUILD/tools/$n" "$T/ubin/"; fi
    done
}

# Compares DIR/trusted-signers.txt with what DIR/custody.log's trust-add / trust-remove
# entries give (keys, public keys and labels); also checks that every import entry's signer
# was trusted at that point of the log and that no bundle id is logged twice. Prints "same",
# or the first disagreement.
trust_vs_log() {
    python3 - "$1" <<'PY'
import sys, urllib.parse
d = sys.argv[1]
trusted, seen = {}, set()
for line in open(d + "/custody.log", encoding="utf-8"):
    parts = line.split(" ")
    f = dict(p.split("=", 1) for p in parts[3:] if "=" in p)
    f = {k: urllib.parse.unquote(v) for k, v in f.items()}
    ev = parts[2]
    if ev == "trust-add":
        trusted[f["key"]] = (f["pubkey"], f["label"])
    elif ev == "trust-remove":
        trusted.pop(f["key"], None)
    elif ev == "import":
        if f["signer"] not in trusted:
            sys.exit(print("entry %s imports from key %s, not trusted then" % (parts[0], f["signer"])))
        if f["bundle"] in seen:
            sys.exit(print("bundle %s logged twice" % f["bundle"]))
        seen.add(f["bundle"])
store = {}
for line in open(d + "/trusted-signers.txt", encoding="utf-8"):
    if line.startswith("#") or not line.strip():
        continue
    kid, pub, label = line.rstrip("\n").split(" ", 2)
    store[kid] = (pub, label)
print("same" if store == trusted else "store %s, log %s" % (sorted(store), sorted(trusted)))
PY
}
