#!/usr/bin/env bash
# Hostile station states and bundle identities, one table: a bundle id reused (another case,
# another trusted NGO, the same case), an identical bundle under a renamed case folder, a
# receipt or vault entry already there without a log entry, a trust store edited by hand (key
# added, label changed, key removed, file deleted, line duplicated), a damaged custody log, a
# busy station for every station-changing verb, verify --station with an edited store, and case ids whose %-encoding is longer than
# a folder name may be. Each row runs on a fresh copy of one station and asserts the exit
# status, the exact line, and for a refusal an unchanged station byte for byte
# (station_state). The wall time and peak memory of each command go to the TAP diagnostics.
. "$AIRSEAL_ROOT/tests/lib.sh"
CRAFT="python3 $AIRSEAL_ROOT/tests/hostile/craft-bundle.py"
E='^airseal-recv: error: '

minisign -G -W -p nga.pub -s nga.key > /dev/null 2>&1 && minisign -G -W -p ngb.pub -s ngb.key > /dev/null 2>&1 &&
    minisign -G -W -p ngd.pub -s ngd.key > /dev/null 2>&1 && ok "stock minisign makes NGO keys A, B, D" || not_ok "minisign -G"
check "an airseal NGO key C" airseal-send keygen -o ngc --no-passphrase
check "init" airseal-recv init base --no-passphrase
check "trust A" airseal-recv trust base add nga.pub --yes --name "NGO A"
check "trust B" airseal-recv trust base add ngb.pub --yes --name "NGO B"
check "trust C" airseal-recv trust base add ngc.pub --yes --name "NGO C"
R=$(cat base/recipient.pub)
keyid() { airseal-recv trust base list | grep -F "  $1" | cut -d' ' -f1; }
KA=$(keyid "NGO A") KB=$(keyid "NGO B")
KD=$(python3 -c 'import base64,sys; r=base64.b64decode(open(sys.argv[1]).read().split("\n")[1]); print(r[2:10][::-1].hex().upper())' ngd.pub)
PD=$(sed -n 2p ngd.pub)
# craft NAME NGO CASE ID NOTE: a valid bundle with this id and case in NAME/
craft() { CRAFT_CASE=$3 CRAFT_BUNDLE_ID=$4 CRAFT_NOTE=$5 $CRAFT chosen-id "$1" "$2" "$R" > craft.log 2>&1 || not_ok "crafting $1"; }
ID1=$(python3 -c 'import os; print(os.urandom(16).hex())') IDQ=$(python3 -c 'import os; print(os.urandom(16).hex())')
craft p1 nga CASE-1 "$ID1" one
craft reuse-case nga CASE-2 "$ID1" two
craft reuse-ngo ngb CASE-1 "$ID1" three
craft reuse-same nga CASE-1 "$ID1" four
craft q nga CASE-Q "$IDQ" five
check "import the first bundle" airseal-recv import base p1
SEQ1=$(grep -c '' base/custody.log)
mkdir ev && printf 'statement\n' > ev/s.txt
CYR43=$(python3 -c 'print("Ж" * 43)') CYR128=$(python3 -c 'print("Д" * 64)') EMOJI=$(python3 -c 'print("\U0001F512" * 32)')
check "pack, case of 43 Cyrillic letters" airseal-send pack -r base/recipient.pub -s ngc.key -o cyr43 --case "$CYR43" ev
check "pack, case of 128 bytes of Cyrillic" airseal-send pack -r base/recipient.pub -s ngc.key -o cyr128 --case "$CYR128" ev
check "pack, case of 32 4-byte characters" airseal-send pack -r base/recipient.pub -s ngc.key -o emoji --case "$EMOJI" ev
BUSY="${E}station st is busy: another airseal-recv is working on it; nothing was done \(run the same command again when it has finished\)$"
REUSED="${E}bundle id $ID1 is already used at this station by a different bundle \(custody log entry $SEQ1, case CASE-1\); refusing it$"
DISAGREE="${E}station st: the trust store disagrees with the custody log: "

# --- makers: each prepares the fresh copy st and sets CMD (and HOLD=1 to hold the lock)
mk_import() { CMD=(airseal-recv import st "$1"); }
mk_renamed() { mv st/vault/CASE-1 st/vault/RENAMED; CMD=(airseal-recv import st p1); }
mk_receipt() { cp "st/receipts/$ID1.receipt" "st/receipts/$IDQ.receipt"; CMD=(airseal-recv import st q); }
mk_vault() { mkdir -p "st/vault/ELSEWHERE/$IDQ" && head -c 999 /dev/urandom > "st/vault/ELSEWHERE/$IDQ/bundle.age"; CMD=(airseal-recv import st q); }
mk_key_added() { echo "$KD $PD Intruder" >> st/trusted-signers.txt; CMD=(airseal-recv import st q); }
mk_label() { sed -i 's/ NGO A$/ NGO Z/' st/trusted-signers.txt; CMD=(airseal-recv trust st add ngd.pub --yes); }
mk_label_verify() { sed -i 's/ NGO A$/ NGO Z/' st/trusted-signers.txt; CMD=(airseal-recv verify --station st "st/vault/CASE-1/$ID1"); }
mk_key_removed() { sed -i "/^$KB /d" st/trusted-signers.txt; CMD=(airseal-recv trust st remove "$KA"); }
mk_deleted() { rm st/trusted-signers.txt; CMD=(airseal-recv import st q); }
dup_line() { local l; l=$(grep "^$KA " st/trusted-signers.txt) && echo "$l" >> st/trusted-signers.txt; }
mk_dup() { dup_line; CMD=(airseal-recv trust st list); }
mk_dup_import() { dup_line; CMD=(airseal-recv import st q); }
# one base64 character in the middle of the last entry's signature changed
mk_log() { swap_b64_char st/custody.log $(( $(stat -c %s st/custody.log) - 40 )); CMD=(airseal-recv trust st add ngd.pub --yes); }
mk_busy_import() { HOLD=1; CMD=(airseal-recv import st q); }
mk_busy_add() { HOLD=1; CMD=(airseal-recv trust st add ngd.pub --yes); }
mk_busy_remove() { HOLD=1; CMD=(airseal-recv trust st remove "$KB"); }

# name | maker | status | the one line (stderr; stdout for status 0) | station after: same or changed
TABLE=(
    "id reused under another case, same NGO" "mk_import reuse-case" 1 "$REUSED" same
    "id reused by another trusted NGO" "mk_import reuse-ngo" 1 "$REUSED" same
    "id reused, same case, different bundle" "mk_import reuse-same" 1 "$REUSED" same
    "identical bundle, case folder renamed" mk_renamed 0 "^Bundle $ID1 \(case CASE-1\) is already in the vault \(custody log entry $SEQ1\); nothing changed\.$" same
    "receipt there without a log entry" mk_receipt 1 "${E}receipts/$IDQ\.receipt exists but the custody log has no import of bundle $IDQ; refusing to overwrite it$" same
    "another bundle in the vault under the id, no log entry" mk_vault 1 "${E}the vault already holds a different bundle with id $IDQ; refusing to replace it$" same
    "trust store: key added by hand (import)" mk_key_added 1 "${DISAGREE}key $KD \(\"Intruder\"\) is in trusted-signers\.txt but the custody log does not trust it; nothing was changed$" same
    "trust store: label changed (trust add)" mk_label 1 "${DISAGREE}key $KA is labelled \"NGO Z\" in trusted-signers\.txt but \"NGO A\" in the custody log; nothing was changed$" same
    "trust store: label changed (verify --station)" mk_label_verify 1 "${DISAGREE}key $KA is labelled \"NGO Z\" in trusted-signers\.txt but \"NGO A\" in the custody log; nothing was changed$" same
    "trust store: key removed by hand (trust remove)" mk_key_removed 1 "${DISAGREE}key $KB \(\"NGO B\"\) is trusted by the custody log but missing from trusted-signers\.txt; nothing was changed$" same
    "trust store: file deleted (import)" mk_deleted 1 "${E}station st has no trusted-signers\.txt \(its custody log trusts 3 keys\); nothing was changed$" same
    "trust store: line duplicated (trust list)" mk_dup 1 "${E}st/trusted-signers\.txt: trust store line 6: bad label or duplicate key$" same
    "trust store: line duplicated (import)" mk_dup_import 1 "${E}st/trusted-signers\.txt: trust store line 6: bad label or duplicate key$" same
    "custody log signature damaged (trust add)" mk_log 1 "${E}refusing to use station st, whose custody log is damaged: custody log entry $SEQ1 \(line $SEQ1\): signature does not verify \(entry modified\)$" same
    "busy station: import" mk_busy_import 4 "$BUSY" same
    "busy station: trust add" mk_busy_add 4 "$BUSY" same
    "busy station: trust remove" mk_busy_remove 4 "$BUSY" same
    "case id of 43 Cyrillic letters" "mk_import cyr43" 0 "^Imported bundle [0-9a-f]{32} \(case $CYR43\) from \"NGO C\"" changed
    "case id of 128 bytes of Cyrillic" "mk_import cyr128" 0 "^Imported bundle [0-9a-f]{32} \(case $CYR128\) from \"NGO C\"" changed
    "case id of 32 4-byte characters" "mk_import emoji" 0 "^Imported bundle [0-9a-f]{32} \(case $EMOJI\) from \"NGO C\"" changed
)

rows=0 worst_t=0 worst_m=0
for ((i = 0; i < ${#TABLE[@]}; i += 5)); do
    name=${TABLE[i]} maker=${TABLE[i + 1]} status=${TABLE[i + 2]} line=${TABLE[i + 3]} after=${TABLE[i + 4]}
    rm -rf st && cp -a base st
    HOLD=0 CMD=()
    $maker
    before=$(station_state st)
    [ "$HOLD" = 1 ] && { exec 9> st/.lock; flock -x 9; }
    /usr/bin/time -f '%e %M' -o tm "${CMD[@]}" > out 2> err
    rc=$?
    [ "$HOLD" = 1 ] && exec 9>&-
    if [ "$status" = 0 ]; then shown=out; else shown=err; fi
    n=$(grep -c '' err)
    if [ "$rc" = "$status" ] && grep -qE -- "$line" "$shown" && { [ "$status" = 0 ] && [ "$n" = 0 ] || [ "$n" = 1 ]; }; then
        ok "$name: exit $status, its line"
    else
        not_ok "$name: expected exit $status and /$line/, got $rc"; sed 's/^/#   /' err out | head -4
    fi
    now=$(station_state st)
    if [ "$after" = same ]; then
        [ "$now" = "$before" ] && ok "$name: station unchanged byte for byte" || not_ok "$name: station changed"
    else
        entry=$(find st/vault -mindepth 2 -maxdepth 2 -type d -newer st/station.conf | grep -v "/$ID1\$" | head -1)
        folder=$(basename "$(dirname "$entry")")
        if [ -n "$entry" ] && [ "${#folder}" -le 120 ] && [ "$(printf %s "$folder" | wc -c)" -le 120 ] &&
            airseal-recv verify --station st "$entry" > /dev/null 2>&1 && airseal-recv verify --station st st/custody.log > /dev/null 2>&1; then
            ok "$name: vault folder of $(printf %s "$folder" | wc -c) bytes, entry and log verify"
        else
            not_ok "$name: vault entry '${entry}' missing, folder too long or not verifying"
        fi
    fi
    read -r secs kib < <(tail -1 tm)
    diag "$name: $secs s, $kib KiB"
    awk -v a="$secs" -v b="$worst_t" 'BEGIN { exit !(a > b) }' && worst_t=$secs
    [ "$kib" -gt "$worst_m" ] && worst_m=$kib
    rows=$((rows + 1))
done
diag "$rows rows; worst refusal or import: $worst_t s, peak RSS $worst_m KiB"
[ "$rows" -ge 12 ] && ok "$rows table rows" || not_ok "only $rows rows"
done_testing
