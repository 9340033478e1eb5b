#!/usr/bin/env bash
# Limits and hostile sources (issue 12): every limit a later step applies is checked on the
# signed manifest before any evidence is written (FORMAT.md 7.1); a bundle exactly at a limit
# imports and verifies in the vault, one beyond it is refused with one line; sources are
# refused by type before they are opened, so nothing blocks or is followed (FORMAT.md 8); a
# signature file that cannot be used is named with what is wrong with it. One table of rows:
# each asserts its exit status and exact line, a station unchanged byte for byte (or, for the
# rows that import, the entry in the vault), no evidence written (strace, when it works), and
# that the next genuine import works with staging empty afterwards.
. "$AIRSEAL_ROOT/tests/lib.sh"
CRAFT="python3 $AIRSEAL_ROOT/tests/hostile/craft-bundle.py"

minisign -G -W -p ngo.pub -s ngo.key > /dev/null 2>&1 && ok "stock minisign makes the NGO key" || not_ok "minisign -G"
check "an airseal NGO key" airseal-send keygen -o ngoa --no-passphrase
check "station init" airseal-recv init st --no-passphrase
check "trust the stock key" airseal-recv trust st add ngo.pub --yes --name "NGO S"
check "trust the airseal key" airseal-recv trust st add ngoa.pub --yes --name "NGO A"
R=$(cat st/recipient.pub)
mkdir ev && printf 'statement\n' > ev/s.txt
mkdir outside && printf 'not evidence\n' > outside/secret.txt
head -c 2500000 /dev/urandom > ev/photo.bin

# strace shows whether staging ever held plaintext; LeakSanitizer cannot run under ptrace.
TRACE=0
if ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o probe.trace -e trace=mkdirat true 2> /dev/null; then
    TRACE=1
else
    diag "strace cannot trace here: the no-plaintext check relies on the station state alone"
fi

# ---------------------------------------------------------------- input makers
# Each maker NAME prepares its input below in-NAME and prints the arguments of the command.
genuine() { airseal-send pack -r st/recipient.pub -s ngoa.key -o "$1" --case G ev > /dev/null 2>&1; }
split_genuine() { airseal-send pack -r st/recipient.pub -s ngoa.key -o "$1" --split 2M --case P ev > /dev/null 2>&1; }
crafted() { # CASE DIR
    $CRAFT "$1" "$2" ngo "$R" > craft.log 2>&1 || { sed 's/^/#   /' craft.log | tail -3 >&2; return 1; }
}
# a genuine bundle whose index and parity are gone: bundle.age.minisig is its only signature
bare() { genuine "$1" && rm "$1/bundle.index" "$1/bundle.parity"; }
sigfile() { # DIR PYTHON-EXPR: bundle.age.minisig replaced by the bytes the expression makes
    bare "$1" && python3 - "$1/bundle.age.minisig" "$2" <<'PY'
import base64, sys
p, expr = sys.argv[1], sys.argv[2]
sig = open(p, 'rb').read()
lines = sig.split(b'\n')
open(p, 'wb').write(eval(expr))
PY
}

mk_limit() { crafted "$2" "in-$1" && echo "in-$1"; }
mk_fifo_sig_index() { genuine "in-$1" && rm "in-$1/bundle.age.minisig" && mkfifo "in-$1/bundle.age.minisig" && echo "in-$1"; }
mk_fifo_sig_bare() { bare "in-$1" && rm "in-$1/bundle.age.minisig" && mkfifo "in-$1/bundle.age.minisig" && echo "in-$1"; }
mk_fifo_index() { genuine "in-$1" && rm "in-$1/bundle.index" && mkfifo "in-$1/bundle.index" && echo "in-$1"; }
mk_fifo_parity() { genuine "in-$1" && rm "in-$1/bundle.parity" && mkfifo "in-$1/bundle.parity" && echo "in-$1"; }
mk_fifo_age() { genuine "in-$1" && rm "in-$1/bundle.age" && mkfifo "in-$1/bundle.age" && echo "in-$1"; }
mk_fifo_part() { split_genuine "in-$1" && rm "in-$1/bundle.age.part001" && mkfifo "in-$1/bundle.age.part001" && echo "in-$1"; }
mk_socket() {
    genuine "in-$1" && python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "in-$1/bundle.age.part001" && echo "in-$1"
}
mk_link_zero() { bare "in-$1" && rm "in-$1/bundle.age" && ln -s /dev/zero "in-$1/bundle.age" && echo "in-$1"; }
mk_link_tty() { bare "in-$1" && rm "in-$1/bundle.age.minisig" && ln -s /dev/tty "in-$1/bundle.age.minisig" && echo "in-$1"; }
mk_link_outside() { # the real bundle.age moved out, a link to it left in its place
    bare "in-$1" && mv "in-$1/bundle.age" "outside/$1.age" && ln -s "$T/outside/$1.age" "in-$1/bundle.age" && echo "in-$1"
}
mk_link_loop() { genuine "in-$1" && ln -s . "in-$1/loop" && ln -s loop2 "in-$1/loop1" && ln -s loop1 "in-$1/loop2" && echo "in-$1"; }
mk_dev_zero() { echo /dev/zero; }
mk_fifo_source() { mkfifo "in-$1" && echo "in-$1"; }
mk_link_source() { genuine "in-$1-real" && ln -s "in-$1-real" "in-$1" && echo "in-$1"; }
mk_sig_truncated() { sigfile "in-$1" "sig[:len(sig) // 2]" && echo "in-$1"; }
mk_sig_base64() { sigfile "in-$1" "b'\n'.join(lines[:1] + [lines[1][:10] + b'!!!!' + lines[1][14:]] + lines[2:])" && echo "in-$1"; }
mk_sig_algorithm() {
    sigfile "in-$1" "b'\n'.join(lines[:1] + [base64.b64encode(b'XX' + base64.b64decode(lines[1])[2:])] + lines[2:])" && echo "in-$1"
}
mk_sig_junk() { sigfile "in-$1" "sig + b'trailing junk\n'" && echo "in-$1"; }
mk_sig_empty() { sigfile "in-$1" "b''" && echo "in-$1"; }
mk_sig_1mb() { sigfile "in-$1" "sig + b'x' * (1 << 20)" && echo "in-$1"; }
mk_deep_staging() { # a 300-deep tree with long names, as a killed import could leave in staging
    python3 - st/staging <<'PY' && genuine "in-$1" && echo "in-$1"
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
for i in range(300):
    name = "import-left" if i == 0 else "d" * 250
    os.mkdir(name, 0o700, dir_fd=fd)
    sub = os.open(name, os.O_RDONLY, dir_fd=fd)
    with open(os.open("f", os.O_WRONLY | os.O_CREAT, 0o444, dir_fd=sub), "w") as f:
        f.write("plaintext")
    if i % 2:
        os.chmod(name, 0o555, dir_fd=fd)
    os.close(fd)
    fd = sub
PY
}
mk_verify_fifo() { mkfifo "in-$1" && echo "in-$1"; }
mk_verify_link() { genuine "in-$1-real" && ln -s "in-$1-real/bundle.age" "in-$1" && echo "in-$1"; }
mk_receipt_fifo() { mkfifo "in-$1.receipt" && echo "in-$1.receipt"; }

# ---------------------------------------------------------------- the table
# name | maker | verb (import, verify, receipt) | status | line (ERE, anchored at the end;
# for status 0, what standard output must say)
IMPORTED="Imported bundle [0-9a-f]{32}"
BEYOND="damaged beyond repair"
NOAGE="no bundle\.age and no part of it in the sources \([0-9]+ files looked at\)$"
ROWS=$(cat <<EOF
depth 64 (at the limit)|mk_limit depth-64|import|0|$IMPORTED
depth 65|mk_limit depth-65|import|1|^airseal-recv: error: manifest: path more than 64 names deep: (d/){30}\.\.\.$
depth 300 (the issue's bundle)|mk_limit depth-300|import|1|^airseal-recv: error: manifest: path more than 64 names deep: (d/){30}\.\.\.$
name 255 bytes (at the limit)|mk_limit name-255|import|0|$IMPORTED
name 256 bytes|mk_limit name-256|import|1|^airseal-recv: error: manifest: name longer than 255 bytes in n{60}\.\.\.$
path 1024 bytes (at the limit)|mk_limit path-1024|import|0|$IMPORTED
path 1025 bytes|mk_limit path-1025|import|1|^airseal-recv: error: manifest: path longer than 1024 bytes: a{60}\.\.\.$
case id %-encoding to 255 bytes (folder name bounded)|mk_limit case-folder-255|import|0|$IMPORTED
case id %-encoding to 256 bytes (folder name bounded)|mk_limit case-folder-256|import|0|$IMPORTED
4 TiB declared, more than the free space|mk_limit declared-4tib|import|3|^airseal-recv: error: not enough disk space for the evidence: 4398047559680 bytes needed, [0-9]+ free$
FIFO as bundle.age.minisig, index present|mk_fifo_sig_index|import|0|$IMPORTED
FIFO as bundle.age.minisig, no index|mk_fifo_sig_bare|import|1|^airseal-recv: error: in-[a-z0-9-]+/bundle\.age\.minisig: is a FIFO \(named pipe\), not a regular file; refusing to read it$
FIFO as bundle.index|mk_fifo_index|import|0|$IMPORTED
FIFO as bundle.parity|mk_fifo_parity|import|0|$IMPORTED
FIFO as bundle.age|mk_fifo_age|import|1|^airseal-recv: error: $NOAGE
FIFO as bundle.age.part001|mk_fifo_part|import|1|^airseal-recv: error: bundle\.age: [0-9]+ of [0-9]+ blocks damaged or missing, [0-9]+ of [0-9]+ parity blocks usable; $BEYOND: [0-9]+ of [0-9]+ stripes lack blocks \(stripe [0-9]+ needs [0-9]+ more\)$
UNIX socket named bundle.age.part001|mk_socket|import|0|$IMPORTED
link to /dev/zero as bundle.age|mk_link_zero|import|1|^airseal-recv: error: $NOAGE
link to /dev/tty as bundle.age.minisig|mk_link_tty|import|1|^airseal-recv: error: in-[a-z0-9-]+/bundle\.age\.minisig: is a symbolic link; refusing to follow it$
link to a bundle.age outside|mk_link_outside|import|1|^airseal-recv: error: $NOAGE
folder link loops|mk_link_loop|import|0|$IMPORTED
/dev/zero as the SOURCE|mk_dev_zero|import|1|^airseal-recv: error: /dev/zero is not a file or a folder$
FIFO as the SOURCE|mk_fifo_source|import|1|^airseal-recv: error: in-[a-z0-9-]+ is not a file or a folder$
link as the SOURCE|mk_link_source|import|1|^airseal-recv: error: in-[a-z0-9-]+ is not a file or a folder$
signature truncated|mk_sig_truncated|import|1|^airseal-recv: error: in-[a-z0-9-]+/bundle\.age\.minisig: not a minisign signature \(bad global signature\)$
signature with bad base64|mk_sig_base64|import|1|^airseal-recv: error: in-[a-z0-9-]+/bundle\.age\.minisig: not a minisign signature \(bad signature line\)$
signature of another algorithm|mk_sig_algorithm|import|1|^airseal-recv: error: in-[a-z0-9-]+/bundle\.age\.minisig: unsupported signature algorithm$
signature with trailing junk|mk_sig_junk|import|1|^airseal-recv: error: in-[a-z0-9-]+/bundle\.age\.minisig: unexpected data after the signature$
signature file empty|mk_sig_empty|import|1|^airseal-recv: error: in-[a-z0-9-]+/bundle\.age\.minisig: empty file, not a minisign signature$
signature file of 1 MB|mk_sig_1mb|import|1|^airseal-recv: error: in-[a-z0-9-]+/bundle\.age\.minisig: [0-9]+ bytes, larger than the 16384-byte limit$
300-deep tree left in staging by a killed import|mk_deep_staging|import|0|$IMPORTED
verify of a FIFO|mk_verify_fifo|verify|1|^airseal-recv: error: in-[a-z0-9-]+: is a FIFO \(named pipe\), not a regular file; refusing to read it$
verify of a link|mk_verify_link|verify|1|^airseal-recv: error: in-[a-z0-9-]+: is a symbolic link; refusing to follow it$
verify-receipt of a FIFO|mk_receipt_fifo|receipt|1|^airseal-send: error: in-[a-z0-9-]+\.receipt: is a FIFO \(named pipe\), not a regular file; refusing to read it$
EOF
)

# ---------------------------------------------------------------- the runner
rows=0 worst_s=0 worst_kib=0 worst_s_row="" worst_kib_row=""
slug() { echo "$1" | tr -c 'a-z0-9\n' '-' | tr -s '-' | sed 's/-$//'; }
run_row() {
    local name=$1 maker=$2 verb=$3 status=$4 regex=$5 id args cmd
    id=r$rows-$(slug "${maker#mk_}" | cut -c1-30)
    rows=$((rows + 1))
    local fn farg
    read -r fn farg <<< "$maker"
    args=$("$fn" "$id" $farg 2> make.err) || args=""
    if [ -z "$args" ]; then
        not_ok "$name: the input could not be made"
        sed 's/^/#   /' make.err | tail -3
        return
    fi
    case $verb in
    import) cmd=(airseal-recv import st "$args") ;;
    verify) cmd=(airseal-recv verify --station st "$args") ;;
    receipt) cmd=(airseal-send verify-receipt -p st/station.pub "$args") ;;
    esac
    local before after rc lines
    # (a tree deeper than PATH_MAX in staging defeats sha256sum: the state is then partial)
    before=$(station_state st 2> /dev/null)
    if [ "$TRACE" = 1 ]; then
        ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o "$id.trace" -e trace=mkdirat,openat \
            /usr/bin/time -f '%e %M' -o "$id.time" timeout 20 "${cmd[@]}" > "$T/.out" 2> "$T/.err"
    else
        /usr/bin/time -f '%e %M' -o "$id.time" timeout 20 "${cmd[@]}" > "$T/.out" 2> "$T/.err"
    fi
    rc=$?
    after=$(station_state st 2> /dev/null)
    lines=$(wc -l < "$T/.err" | tr -d ' ')
    if [ "$status" = 0 ]; then
        if [ "$rc" = 0 ] && grep -qE -- "$regex" "$T/.out" && [ "$before" != "$after" ]; then
            ok "$name: imported (exit 0)"
        else
            not_ok "$name: expected an import, got exit $rc"
            sed 's/^/#   /' "$T/.err" | head -3
        fi
        local entry
        entry=$(sed -n 's/^Vault: *//p' "$T/.out" | head -1)
        if [ -z "$entry" ]; then
            entry=$(ls -td st/vault/*/* | head -1)
        fi
        check "$name: its vault entry verifies" airseal-recv verify --station st "$entry"
    else
        if [ "$rc" = "$status" ] && [ "$lines" = 1 ] && grep -qE -- "$regex" "$T/.err"; then
            ok "$name: exit $status and its line"
        else
            not_ok "$name: expected exit $status and one line matching /$regex/, got $rc and $lines line(s)"
            sed 's/^/#   /' "$T/.err" | head -3
        fi
        [ "$before" = "$after" ] && ok "$name: station unchanged byte for byte" ||
            not_ok "$name: the station changed"
        if [ "$TRACE" = 1 ]; then
            if grep -qE 'mkdirat\(.*"evidence"|"manifest\.txt", O_WRONLY' "$id.trace"; then
                not_ok "$name: staging held plaintext (strace)"
            else
                ok "$name: no evidence or manifest written (strace)"
            fi
        fi
    fi
    # the last line: time(1) puts "Command exited with non-zero status N" before it
    read -r s kib < <(tail -n 1 "$id.time" 2> /dev/null) || { s=0; kib=0; }
    diag "$name: $s s, $kib KiB"
    if awk -v a="$s" -v b="$worst_s" 'BEGIN { exit !(a > b) }'; then worst_s=$s worst_s_row=$name; fi
    if [ "${kib:-0}" -gt "$worst_kib" ]; then worst_kib=$kib worst_kib_row=$name; fi
    # whatever happened, the next genuine import works and leaves staging empty
    genuine "next-$id" && check "$name: the next genuine import works" airseal-recv import st "next-$id" ||
        not_ok "$name: packing the next genuine bundle"
    [ -z "$(ls -A st/staging)" ] && ok "$name: staging is empty afterwards" ||
        not_ok "$name: staging holds $(ls -A st/staging | head -3)"
}

while IFS='|' read -r name maker verb status regex; do
    [ -n "$name" ] && run_row "$name" "$maker" "$verb" "$status" "$regex"
done <<< "$ROWS"

# ---------------------------------------------------------------- pack refuses what import would
p=deep
for _ in $(seq 1 63); do p=$p/d; done
mkdir -p "$p" && printf 'x\n' > "$p/f"
expect 1 "^airseal-send: error: deep(/d){63}: cannot be carried: folders nested more than 63 deep \(a path in a bundle has at most 64 names\)$" \
    "pack refuses a path of 65 names" -- airseal-send pack -r st/recipient.pub -s ngoa.key -o po-deep --case C deep
[ ! -e po-deep ] && ok "pack refused the deep folder before writing" || not_ok "pack left po-deep"
check "pack takes a case id whose %-encoding is over 255 bytes (the vault bounds its folder name)" \
    airseal-send pack -r st/recipient.pub -s ngoa.key -o po-case --case "abcd$(printf '\303\251%.0s' $(seq 1 42))" ev

# ---------------------------------------------------------------- PATH_MAX below a long station
# A station whose absolute path is N bytes keeps evidence at N + 47 + "/evidence/" + path: a
# 1024-byte path fits up to N = 3014 and is refused, before extraction, from 3015.
long_station() { # LEN: a station folder whose absolute path is exactly LEN bytes
    local p=$T/L$1 left
    while :; do
        left=$(($1 - ${#p} - 1))
        [ "$left" -le 0 ] && break
        if [ "$left" -gt 250 ]; then p=$p/$(printf 'l%.0s' $(seq 1 200)); else p=$p/$(printf 's%.0s' $(seq 1 "$left")); break; fi
    done
    mkdir -p "$(dirname "$p")"
    airseal-recv init "$p" --no-passphrase > /dev/null 2>&1 &&
        airseal-recv trust "$p" add ngo.pub --yes --name "NGO S" > /dev/null 2>&1 && echo "$p"
}
LS=$(long_station 3014)
$CRAFT path-1024 pm-fit ngo "$(cat "$LS/recipient.pub")" > /dev/null 2>&1
check "a 1024-byte path below a station of 3014 bytes imports (4095 bytes in its vault)" airseal-recv import "$LS" pm-fit
LS=$(long_station 3015)
$CRAFT path-1024 pm-over ngo "$(cat "$LS/recipient.pub")" > /dev/null 2>&1
before=$(station_state "$LS")
expect 1 "^airseal-recv: error: evidence/a{60}\.\.\.: would be a path of 4096 bytes in this station, more than the system's limit of 4095; use a station folder with a shorter name$" \
    "a 1024-byte path below a station of 3015 bytes is refused" -- airseal-recv import "$LS" pm-over
[ "$(station_state "$LS")" = "$before" ] && ok "long station: unchanged byte for byte" || not_ok "long station changed"
rows=$((rows + 2))

# ---------------------------------------------------------------- verify writes only in TMPDIR
genuine vb && flip_byte vb/bundle.age 2000
mkdir tmpdir
if [ "$TRACE" = 1 ]; then
    TMPDIR=$T/tmpdir ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o verify.trace -e trace=openat,mkdir,mkdirat,creat,link,linkat,rename,renameat \
        airseal-recv verify --station st vb > "$T/.out" 2> "$T/.err"
    rc=$?
    [ "$rc" = 0 ] && ok "verify of a damaged bundle repairs it and passes" || not_ok "verify failed: $(cat "$T/.err")"
    grep -q "\"$T/tmpdir/\.airseal-verify\.tmp-[^\"]*\", O_RDWR|O_CREAT|O_EXCL" verify.trace &&
        ok "verify's temporary is in TMPDIR" || not_ok "verify made no temporary in TMPDIR"
    stray=$(grep -E '"/tmp(/|")' verify.trace | grep -v "\"$T/" | head -3)
    [ -z "$stray" ] && ok "verify touches nothing in /tmp" || not_ok "verify touched /tmp: $stray"
else
    check "verify of a damaged bundle repairs it and passes" env TMPDIR="$T/tmpdir" airseal-recv verify --station st vb
fi
[ -z "$(ls -A tmpdir)" ] && ok "verify leaves TMPDIR empty" || not_ok "verify left $(ls -A tmpdir)"

diag "worst time: $worst_s s ($worst_s_row); worst peak RSS: $worst_kib KiB ($worst_kib_row)"
[ "$rows" -ge 12 ] && ok "$rows hostile rows checked" || not_ok "only $rows rows"
check "the custody log still verifies" airseal-recv verify --station st st/custody.log
done_testing
