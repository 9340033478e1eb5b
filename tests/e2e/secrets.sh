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
        tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qiE "pass|secret" && not_ok "$name: argv mentions a secret" || ok "$name: argv holds no secret"
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
grep -rq "AGE-SECRET-KEY\|RWRTY0Iy" st/custody.log st/receipts b 2> /dev/null && not_ok "secret key material in the log, receipts or bundle" || ok "no secret key material in the log, receipts or bundle"

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
