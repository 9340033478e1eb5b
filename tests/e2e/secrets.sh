#!/usr/bin/env bash
# Secret hygiene, observed from outside the process: core dumps are off and the process is not
# dumpable while it holds a passphrase prompt; no passphrase ever reaches argv, the
# environment, the terminal echo, a log or a receipt; secret files are 0600 and refused when
# group- or world-readable.
. "$AIRSEAL_ROOT/tests/lib.sh"
PASS="correct horse battery staple 7"

# A process held at its passphrase prompt, run as an unprivileged user (when we are root) so
# that /proc shows whether it made itself non-dumpable: the kernel then gives its /proc files
# to root. ASan would set RLIMIT_CORE itself; disable_coredump=0 leaves that to airseal.
chmod 755 "$T" && mkdir -p held && chmod 777 held
as_user=()
if [ "$(id -u)" = 0 ]; then as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --); fi
# The binaries themselves, not the wrappers make check-valgrind puts on PATH (valgrind
# emulates rlimits and prctl, so /proc would show valgrind's view instead of airseal's),
# copied where the unprivileged user can reach them.
user_bins airseal-send airseal-recv ptyrun
for prog in "$T/ubin/airseal-send keygen -o $T/held/k" "$T/ubin/airseal-recv init $T/held/st"; do
    name=${prog#"$T/ubin/"}; name=${name%% -o*}; name=${name%% $T*}
    ASAN_OPTIONS=detect_leaks=0:disable_coredump=0 "${as_user[@]}" "$T/ubin/ptyrun" -- $prog > /dev/null 2>&1 &
    runner=$!
    pid=""
    for _ in $(seq 1 100); do
        # the airseal process itself, not ptyrun
        pid=""
        for p in $(pgrep -f "${prog#* }$"); do
            [ "$(cat "/proc/$p/comm" 2> /dev/null)" = "${name%% *}" ] && pid=$p
        done
        [ -n "$pid" ] && grep -q "^State:.*[SR]" "/proc/$pid/status" 2> /dev/null && break
        sleep 0.1
    done
    sleep 0.5
    if [ -z "$pid" ]; then
        not_ok "$name: could not find the process at its prompt"
    else
        limits=$(awk '/^Max core file size/ { print $5, $6 }' "/proc/$pid/limits")
        [ "$limits" = "0 0" ] && ok "$name: core dumps off (RLIMIT_CORE soft and hard 0)" || not_ok "$name: core limit $limits"
        owner=$(stat -c %u "/proc/$pid/status") uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
        if [ "$uid" != 0 ]; then
            [ "$owner" = 0 ] && ok "$name: not dumpable (its /proc entries belong to root, it runs as uid $uid)" || not_ok "$name: still dumpable (owner $owner)"
        else
            not_ok "$name: runs as root, cannot observe dumpability"
        fi
        kill "$pid" 2> /dev/null
    fi
    kill "$runner" 2> /dev/null; wait "$runner" 2> /dev/null
done

# Passphrases: never on the command line, never echoed, never in the environment or logs.

for args in "airseal-send keygen -o k --passphrase" "airseal-send pack --pass" "airseal-recv init st2 --password" "airseal-recv import st b --passphrase=" "airseal-send keygen -o k --pass-phrase"; do
    expect 2 "passphrases are never taken on the command line \(ps and shell history would show them\); use --passphrase-file FILE or answer the prompt" \
        "refused on the command line: ${args##* }" -- $args "$PASS"
    grep -qF "$PASS" "$T/.err" "$T/.out" && not_ok "the refusal repeats the passphrase" || ok "the refusal does not repeat the passphrase"
done
[ ! -e k.key ] && [ ! -e st2 ] && ok "nothing created by the refused commands" || not_ok "refused commands created files"
check "keygen at a terminal prompt" ptyrun -a "$PASS" -a "$PASS" -o keygen.tty -- airseal-send keygen -o ngo
grep -qF "$PASS" keygen.tty && not_ok "the passphrase was echoed to the terminal" || ok "the passphrase is not echoed"
grep -qi "passphrase" keygen.tty && ok "keygen prompted for the passphrase" || not_ok "no prompt seen"
[ "$(stat -c %a ngo.key)" = 600 ] && ok "ngo.key is 0600" || not_ok "ngo.key mode $(stat -c %a ngo.key)"
grep -qF "$PASS" ngo.key ngo.pub && not_ok "passphrase stored in a key file" || ok "no key file holds the passphrase"
check "station with a passphrase" ptyrun -a "$PASS" -a "$PASS" -o init.tty -- airseal-recv init st
[ -f st/identity.age ] && ! grep -q "AGE-SECRET-KEY" st/identity.age && ok "the station identity is encrypted at rest (identity.age)" || not_ok "the station identity is stored in clear"
[ "$(stat -c %a st/identity.age)" = 600 ] && [ "$(stat -c %a st/station.key)" = 600 ] && ok "station secrets are 0600" || not_ok "station secret modes"
printf '%s\n' "$PASS" > pass && chmod 600 pass
check "trust" airseal-recv trust st add ngo.pub --yes --passphrase-file pass
mkdir ev && printf 'statement\n' > ev/s.txt
check "pack with the key's passphrase from a file" airseal-send pack -r st/recipient.pub -s ngo.key --passphrase-file pass -o b ev
check "import with the station's passphrase from a file" airseal-recv import st b --passphrase-file pass
if grep -rqF "$PASS" st/custody.log st/receipts st/vault b 2> /dev/null; then not_ok "a passphrase reached the log, a receipt, the vault or the bundle"; else ok "no passphrase in the log, receipts, vault or bundle"; fi

# A live process that was really given a passphrase (answered at the prompt, or read from
# --passphrase-file) shows it neither in /proc/PID/cmdline nor in /proc/PID/environ. First a
# control: the scan finds a passphrase placed in either.
FIND="python3 $AIRSEAL_ROOT/tests/tools/find-secrets.py"
bash -c 'sleep 30; :' "$PASS" & ctl=$!
env "NOT_A_SECRET=x$PASS" sleep 30 & ctl2=$!
sleep 0.3
[ "$($FIND proc $ctl "$PASS")" = "/proc/$ctl/cmdline: secret 0" ] && ok "control: the scan finds a passphrase in argv" || not_ok "control: the scan misses a passphrase in argv"
[ "$($FIND proc $ctl2 "$PASS")" = "/proc/$ctl2/environ: secret 0" ] && ok "control: the scan finds a passphrase in the environment" || not_ok "control: the scan misses a passphrase in the environment"
kill $ctl $ctl2; wait $ctl $ctl2 2> /dev/null
# proc_clean DESC PID SECRET...: the scan of the live PID finds none of the secrets.
proc_clean() {
    local desc=$1 pid=$2; shift 2
    if [ -z "$pid" ] || [ ! -r "/proc/$pid/environ" ]; then not_ok "$desc: process not found"; return; fi
    if $FIND proc "$pid" "$@" > scan.out; then ok "$desc"; else not_ok "$desc: $(head -1 scan.out)"; fi
}
# wait_state PID STATE: prints PID once that process is in STATE (S: waiting, T: stopped).
wait_state() {
    for _ in $(seq 1 200); do
        grep -q "^State:.*$2" "/proc/$1/status" 2> /dev/null && echo "$1" && return
        sleep 0.1
    done
}
# At the prompt: keygen given the passphrase once waits for it to be repeated.
ptyrun -a "$PASS" -o held.tty -- airseal-send keygen -o heldkey > /dev/null 2>&1 & runner=$!
for _ in $(seq 1 100); do [ "$(grep -oi passphrase held.tty 2> /dev/null | wc -l)" -ge 2 ] && break; sleep 0.1; done
sleep 0.3
pid=$(wait_state "$(pgrep -P $runner -x airseal-send)" S)
proc_clean "keygen holding a typed passphrase: not in its argv or environment" "$pid" "$PASS"
[ -n "$pid" ] && kill "$pid"; wait $runner 2> /dev/null
# From --passphrase-file, stopped (AIRSEAL_TEST_STOP_AT) once the key is unlocked.
key_line=$(sed -n 2p ngo.key) st_line=$(sed -n 2p st/station.key)
printf 'second statement\n' > ev/t.txt
AIRSEAL_TEST_STOP_AT=pack:file-sealed airseal-send pack -r st/recipient.pub -s ngo.key --passphrase-file pass -o bheld ev > /dev/null 2>&1 & bg=$!
pid=$(wait_state $bg T)
proc_clean "pack with --passphrase-file, stopped with its key unlocked: no passphrase or key in argv or environment" "$pid" "$PASS" "$key_line"
kill -CONT "$pid" 2> /dev/null; wait $bg && ok "the stopped pack goes on and succeeds" || not_ok "the stopped pack failed"
AIRSEAL_TEST_STOP_AT=import:manifest-verified airseal-recv import st bheld --passphrase-file pass > /dev/null 2>&1 & bg=$!
pid=$(wait_state $bg T)
proc_clean "import with --passphrase-file, stopped with the station unlocked: no passphrase or key in argv or environment" "$pid" "$PASS" "$st_line"
kill -CONT "$pid" 2> /dev/null; wait $bg && ok "the stopped import goes on and succeeds" || not_ok "the stopped import failed"

# No secret key material anywhere in what a station and a sender write, in any form and at
# any position: a station and an NGO key without passphrase, so the secrets are known.
check "a station without passphrase" airseal-recv init pst --no-passphrase
check "an NGO key without passphrase" airseal-send keygen -o plain --no-passphrase
check "trust it" airseal-recv trust pst add plain.pub --yes
check "pack" airseal-send pack -r pst/recipient.pub -s plain.key -o bp ev
check "import" airseal-recv import pst bp
secrets=(plain.key pst/station.key pst/identity.txt)
written=(pst/custody.log pst/receipts pst/vault pst/trusted-signers.txt pst/station.conf pst/station.pub pst/recipient.pub bp plain.pub)
if $FIND files "${secrets[@]}" -- "${written[@]}" > scan.out; then ok "no secret key material in any byte of the log, receipts, vault, trust store or bundle"; else
    not_ok "secret key material written: $(head -1 scan.out)"; fi
# Control: the same scan finds the NGO seed's base64 in the middle of a log line, and the
# station's raw age scalar inside a binary file.
mkdir ctl && cp pst/custody.log ctl/ && cp bp/bundle.age ctl/
python3 - "$(sed -n 2p plain.key)" "$(grep AGE-SECRET pst/identity.txt)" <<'PY'
import base64, sys
sys.path.insert(0, "")
blob = base64.b64decode(sys.argv[1])
seed = base64.b64encode(blob[62:94]).rstrip(b"=")
log = open("ctl/custody.log", "rb").read()
open("ctl/custody.log", "wb").write(log[:40] + seed + log[40:])
CH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
acc = bits = 0
raw = bytearray()
for c in sys.argv[2][sys.argv[2].rindex("1") + 1:-6].lower():
    acc, bits = (acc << 5) | CH.index(c), bits + 5
    if bits >= 8:
        bits -= 8
        raw.append((acc >> bits) & 0xFF)
age = open("ctl/bundle.age", "rb").read()
open("ctl/bundle.age", "wb").write(age[:1000] + bytes(raw) + age[1000:])
PY
$FIND files "${secrets[@]}" -- ctl > scan.out
grep -qx "ctl/custody.log: plain.key ed25519 seed base64" scan.out && ok "control: the scan finds a seed's base64 in the middle of a line" || not_ok "control: seed base64 mid-line missed"
grep -qx "ctl/bundle.age: pst/identity.txt age scalar raw" scan.out && ok "control: the scan finds a raw secret scalar inside a binary file" || not_ok "control: raw scalar missed"

# Secret files readable by group or others are refused, naming the fix.
chmod 640 ngo.key
expect 1 "ngo\.key: secret file is accessible to group or others \(mode 0640\); run: chmod 600 ngo\.key$" "a group-readable NGO key is refused" -- \
    airseal-send pack -r st/recipient.pub -s ngo.key --passphrase-file pass -o b2 ev
[ ! -e b2 ] && ok "nothing written after the refusal" || not_ok "b2 written"
chmod 600 ngo.key && chmod 644 st/identity.age
expect 1 "identity\.age: secret file is accessible to group or others \(mode 0644\); run: chmod 600 " "a world-readable station identity is refused" -- \
    airseal-recv import st b --passphrase-file pass
chmod 600 st/identity.age && chmod 604 pass
expect 1 "pass: secret file is accessible to group or others \(mode 0604\)" "a world-readable passphrase file is refused" -- \
    airseal-send pack -r st/recipient.pub -s ngo.key --passphrase-file pass -o b3 ev
done_testing
