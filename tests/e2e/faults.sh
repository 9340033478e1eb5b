#!/usr/bin/env bash
# Faults: airseal-recv import killed (SIGKILL) at every named step, full disks for pack and
# import, and interrupted USB copies. After each fault the station must hold the bundle whole
# or not at all, its custody log must verify, and running the same command again must finish
# the job. The kill and disk-full hooks exist only in the test builds (AS_TEST_HOOKS).
. "$AIRSEAL_ROOT/tests/lib.sh"

check "keygen" airseal-send keygen -o ngo --no-passphrase
check "init" airseal-recv init st --no-passphrase
check "trust" airseal-recv trust st add ngo.pub --yes
mkdir -p ev1/a ev2/b/c
head -c 300000 /dev/urandom > ev1/a/one.bin && printf 'first\n' > ev1/note.txt
head -c 200000 /dev/urandom > ev2/b/c/two.bin && printf 'deux\n' > ev2/b/d.txt && : > ev2/empty
check "pack the first bundle" airseal-send pack -r st/recipient.pub -s ngo.key -o b1 --case F-1 ev1
check "pack the second bundle" airseal-send pack -r st/recipient.pub -s ngo.key -o b2 --case F-2 ev2
check "import the first bundle" airseal-recv import st b1
cp -a st base
id2=$(sed -n 's/^Bundle: *//p' b2/README.txt | head -1)
[ -n "$id2" ] && ok "second bundle id $id2" || not_ok "cannot read the second bundle id"

imports_of() { grep -c " import .*bundle=$1" st/custody.log 2> /dev/null || true; }
no_temp() { [ -z "$(find st -name '.*.tmp-*' 2> /dev/null)" ] && [ -z "$(ls -A st/staging)" ]; }

# 1. SIGKILL at each step of an import (STEP@N: the N-th time the step is reached).
STEPS="import:work-created import:gathered file:synced@1 file:renamed@1 import:assembled
import:signature-verified import:log-checked import:staging-created import:header-opened
import:manifest-verified import:file-extracted@1 import:file-extracted@3 import:extracted
import:sealed-staged import:staging-frozen import:before-commit import:after-commit
import:committed import:receipt-text-written file:renamed@3 import:receipt-signature-written
import:receipt-written custody:before-write custody:written custody:after-write
custody:tree-appended import:proof-written custody:checkpoint-written import:logged
import:finished"
points=0 bad=0
for step in $STEPS; do
    rm -rf st && cp -a base st
    # (through sh, so the shell's "Killed" notice goes nowhere)
    sh -c 'AIRSEAL_TEST_KILL_AT=$1 airseal-recv import st b2 > /dev/null 2> kill.err; echo $? > kill.rc' sh "$step" 2> /dev/null
    rc=$(cat kill.rc)
    why=""
    [ "$rc" = 137 ] || why="not killed (exit $rc: $(head -1 kill.err))"
    # the vault holds the bundle whole or not at all
    entry=$(ls -d st/vault/F-2/* 2> /dev/null | head -1)
    if [ -n "$entry" ] && ! airseal-recv verify --station st "$entry" > /dev/null 2>&1; then
        why="$why; vault entry incomplete after the kill"
    fi
    airseal-recv verify --station st st/custody.log > /dev/null 2>&1 || why="$why; log broken after the kill"
    [ "$(imports_of "$id2")" -le 1 ] || why="$why; logged twice"
    # no proof names an entry the log lacks
    if [ -e "st/receipts/$id2.receipt.tlog" ]; then
        [ "$(imports_of "$id2")" = 1 ] || why="$why; a proof exists for an entry not in the log"
        airseal-send verify-receipt -p st/station.pub "st/receipts/$id2.receipt" > /dev/null 2>&1 || why="$why; the proof left by the kill does not verify"
    fi
    # running it again finishes the job, exactly once
    airseal-recv import st b2 > rerun.out 2> rerun.err || why="$why; rerun failed: $(head -1 rerun.err)"
    entry=$(ls -d st/vault/F-2/* 2> /dev/null | head -1)
    [ -n "$entry" ] && airseal-recv verify --station st "$entry" > /dev/null 2>&1 || why="$why; vault entry missing or bad after the rerun"
    airseal-recv verify --station st st/custody.log > /dev/null 2>&1 || why="$why; log broken after the rerun"
    [ "$(imports_of "$id2")" = 1 ] || why="$why; $(imports_of "$id2") log entries for the bundle"
    airseal-send verify-receipt -p st/station.pub "st/receipts/$id2.receipt" --bundle b2 > vr.out 2>&1 || why="$why; receipt does not verify"
    grep -q "Inclusion proof: the entry is in the station's signed custody log" vr.out || why="$why; no inclusion proof after the rerun"
    no_temp || why="$why; temporary files or staging left"
    diff -r ev2 "$entry/evidence/ev2" > /dev/null 2>&1 || why="$why; evidence differs"
    points=$((points + 1))
    if [ -n "$why" ]; then
        bad=$((bad + 1)); not_ok "killed at $step:${why#;}"
    else
        ok "killed at $step: whole or nothing, log verifies, rerun completes"
    fi
done
[ "$points" -ge 20 ] && [ "$bad" = 0 ] && ok "$points kill points, all safe" || not_ok "$bad of $points kill points unsafe"

# A kill at a step name that is never reached does nothing (the hook names real steps).
rm -rf st && cp -a base st
check "an unknown step name does not stop the import" env AIRSEAL_TEST_KILL_AT=import:no-such-step airseal-recv import st b2

# 2. Full disk, through the hook: writes fail with ENOSPC after N bytes.
state() { (cd st && find vault receipts staging -printf '%p %s\n' | LC_ALL=C sort && cat custody.log) | sha256sum; }
# The offsets are taken from a clean run's total, so they land in every phase: assembling the
# sealed file, extracting, the receipt and the custody log at the very end.
rm -rf st && cp -a base st
AIRSEAL_TEST_WRITTEN_TO=$T/imp.total airseal-recv import st b2 > /dev/null 2>&1
total=$(cat imp.total)
diag "a clean import writes $total bytes"
for n in 0 4096 $((total / 3)) $((total * 2 / 3)) $((total - 3000)) $((total - 100)); do
    rm -rf st && cp -a base st
    before=$(state)
    expect 3 "disk full \(free some space, then run the same command again\)$" "import with the disk full after $n of $total bytes: one line, status 3" -- \
        env AIRSEAL_TEST_ENOSPC_AT=$n airseal-recv import st b2
    [ "$(state)" = "$before" ] && no_temp && ok "disk full after $n bytes: station unchanged, nothing partial" || not_ok "disk full after $n bytes: station changed"
    check "rerun with space succeeds (after $n)" airseal-recv import st b2
done
# 2b. An I/O error (EIO) from each fsync of an import in turn, the N-th alone. A failure
# before the import lands is one line and status 3 with the station unchanged; one after the
# custody checkpoint is renamed into place (the folder's fsync) must not take the entry back,
# or the log would be shorter than its own signed checkpoint and the station refused for
# ever. Either way the log verifies and the same command finishes the job.
rm -rf st && cp -a base st
strace -f -e trace=fsync -o fsync.trace airseal-recv import st b2 > /dev/null 2>&1
fsyncs=$(grep -c 'fsync(' fsync.trace)
diag "a clean import calls fsync $fsyncs times"
bad=0
for n in $(seq 1 "$fsyncs"); do
    rm -rf st && cp -a base st
    before=$(state)
    env AIRSEAL_TEST_FAIL=fsync@$n airseal-recv import st b2 > eio.out 2> eio.err
    rc=$?
    why=""
    case $rc in
    0) ;;
    3) [ "$(wc -l < eio.err)" = 1 ] || why="$why; $(wc -l < eio.err) lines"
       [ "$(state)" = "$before" ] || [ "$(imports_of "$id2")" = 1 ] || why="$why; station changed but not imported" ;;
    *) why="$why; exit $rc: $(head -1 eio.err)" ;;
    esac
    airseal-recv verify --station st st/custody.log > /dev/null 2>&1 || why="$why; log does not verify: $(airseal-recv verify --station st st/custody.log 2>&1 | tail -1)"
    airseal-recv import st b2 > /dev/null 2> rerun.err || why="$why; rerun failed: $(head -1 rerun.err)"
    [ "$(imports_of "$id2")" = 1 ] || why="$why; $(imports_of "$id2") log entries"
    no_temp || why="$why; temporary files or staging left"
    [ -n "$why" ] && { bad=$((bad + 1)); not_ok "EIO at fsync $n (exit $rc):${why#;}"; }
done
[ "$fsyncs" -ge 5 ] && [ "$bad" = 0 ] && ok "EIO at each of the import's $fsyncs fsyncs: one line or landed, log verifies, rerun completes" || not_ok "$bad of $fsyncs fsync failures unsafe"

rm -rf out
AIRSEAL_TEST_WRITTEN_TO=$T/pack.total airseal-send pack -r st/recipient.pub -s ngo.key -o out ev2 > /dev/null 2>&1
total=$(cat pack.total)
diag "a clean pack writes $total bytes"
for n in 0 5000 $((total / 2)) $((total - 2000)) $((total - 100)); do
    rm -rf out
    expect 3 "disk full \(free some space, then run the same command again\)$" "pack with the disk full after $n of $total bytes: one line, status 3" -- \
        env AIRSEAL_TEST_ENOSPC_AT=$n airseal-send pack -r st/recipient.pub -s ngo.key -o out ev2
    [ ! -e out ] && ok "pack, disk full after $n bytes: no output folder left" || not_ok "pack left $(ls -A out 2> /dev/null | head -3)"
done
rm -rf out
check "pack with space succeeds" airseal-send pack -r st/recipient.pub -s ngo.key -o out ev2

# 3. Full disk for real: a 1 MiB tmpfs in a private mount namespace (unshare as an
# unprivileged user, or as root). The bundle is packed onto it, then imported into a station
# on it.
run_small_fs() {
    local script=$1
    if unshare -rm true 2> /dev/null; then
        unshare -rm bash -c "mount -t tmpfs -o size=1m tmpfs '$T/small' && $script"
    elif [ "$(id -u)" = 0 ] && unshare -m true 2> /dev/null; then
        unshare -m bash -c "mount -t tmpfs -o size=1m tmpfs '$T/small' && $script"
    else
        echo "no way to mount a tmpfs here (unshare -rm and unshare -m both refused)" >&2
        return 99
    fi
}
mkdir -p small big/x
head -c 1500000 /dev/urandom > big/x/large.bin
P=$(command -v airseal-send) R=$(command -v airseal-recv)
run_small_fs "cd '$T' && '$P' pack -r st/recipient.pub -s ngo.key -o small/out big > small.out 2> small.err; echo \$? > small.rc; ls -A small > small.ls"
rc=$(cat small.rc 2> /dev/null)
[ "$rc" = 3 ] && [ "$(wc -l < small.err)" = 1 ] && grep -q "disk full" small.err && ok "pack onto a full 1 MiB filesystem: one line, status 3 ($(cat small.err))" || not_ok "pack onto a full filesystem: rc=$rc $(cat small.err 2> /dev/null)"
[ ! -s small.ls ] && ok "nothing left on the full filesystem" || not_ok "left on the full filesystem: $(cat small.ls)"
check "pack the big evidence elsewhere" airseal-send pack -r base/recipient.pub -s ngo.key -o bigb big
rm -rf st && cp -a base st
snap="(cd st && find vault receipts staging -printf '%p %s\\n' | LC_ALL=C sort && cat custody.log) | sha256sum"
run_small_fs "cd '$T' && cp -a st small/st && cd small && $snap > ../imp.before && '$R' import st ../bigb > ../imp.out 2> ../imp.err; echo \$? > ../imp.rc; $snap > ../imp.state; (cd st && find . -name '.*.tmp-*'; ls -A staging) > ../imp.tmp"
before=$(cat imp.before)
rc=$(cat imp.rc 2> /dev/null)
[ "$rc" = 3 ] && [ "$(wc -l < imp.err)" = 1 ] && grep -qE "disk full|not enough disk space" imp.err && ok "import into a full 1 MiB filesystem: one line, status 3 ($(cat imp.err))" || not_ok "import into a full filesystem: rc=$rc $(cat imp.err 2> /dev/null)"
[ "$(cat imp.state)" = "$before" ] && [ ! -s imp.tmp ] && ok "station on the full filesystem unchanged" || not_ok "station on the full filesystem changed"
check "the same import with space succeeds" airseal-recv import st bigb

# 4. An interrupted USB copy: a part cut short, or zero-filled at its end, is damage.
mkdir -p ev3 && head -c 5000000 /dev/urandom > ev3/video.bin
check "pack in 2 MB parts with 10% parity" airseal-send pack -r base/recipient.pub -s ngo.key -o parts --split 2M --redundancy 10 ev3
last=$(ls parts/bundle.age.part* | tail -1)
rm -rf st && cp -a base st && cp -r parts cut
python3 -c "import os,sys; p=sys.argv[1]; os.truncate(p, os.path.getsize(p) - 5000)" "cut/$(basename "$last")"
check "a part cut short by 5000 bytes is repaired" airseal-recv import st cut
grep -qi "repair" "$T/.out" && ok "the import says what it repaired" || not_ok "no repair reported"
rm -rf st cut && cp -a base st && cp -r parts cut
mid=$(ls parts/bundle.age.part* | sed -n 2p)
python3 -c "
import os, sys
p = sys.argv[1]; n = os.path.getsize(p)
with open(p, 'r+b') as f: f.seek(n - 20000); f.write(bytes(20000))" "cut/$(basename "$mid")"
check "a part zero-filled over its last 20000 bytes is repaired" airseal-recv import st cut
rm -rf st cut && cp -a base st && cp -r parts cut
before=$(state)
for p in cut/bundle.age.part*; do python3 -c "import os,sys; p=sys.argv[1]; os.truncate(p, os.path.getsize(p) // 2)" "$p"; done
expect 1 "cannot be repaired|beyond repair|too many" "every part cut in half: a clear failure beyond parity" -- airseal-recv import st cut
[ "$(state)" = "$before" ] && no_temp && ok "station unchanged after the unrepairable copy" || not_ok "station changed"

# 5. SIGKILL during trust changes, at every step: before the lock is used, after the log entry
# and before the store is saved (the crash window), inside the log's own write. Afterwards
# the log verifies, `trust list` answers (the log's view), the same command run again either
# does the change or says it is done, and the store then equals the log's trust entries
# (the window is completed under the lock), with one log entry for the change.
check "a key to add and remove" airseal-send keygen -o ngo2 --no-passphrase
KID2=$(python3 -c 'import base64,sys; r=base64.b64decode(open(sys.argv[1]).read().split("\n")[1]); print(r[2:10][::-1].hex().upper())' ngo2.pub)
TSTEPS="trust:locked custody:before-write custody:written custody:after-write trust:add-logged trust:remove-logged file:renamed@1"
for verb in add remove; do
    for step in $TSTEPS; do
        rm -rf st && cp -a base st
        [ "$verb" = remove ] && airseal-recv trust st add ngo2.pub --yes --name two > /dev/null 2>&1
        if [ "$verb" = add ]; then cmd=(airseal-recv trust st add ngo2.pub --yes --name two); else cmd=(airseal-recv trust st remove "$KID2"); fi
        AIRSEAL_TEST_KILL_AT=$step "${cmd[@]}" > /dev/null 2> kill.err &
        wait $! 2> /dev/null; rc=$?
        why=""
        case "$step" in trust:add-logged) [ "$verb" = add ] || rc=skip ;; trust:remove-logged) [ "$verb" = remove ] || rc=skip ;; esac
        [ "$rc" = skip ] && continue
        [ "$rc" = 137 ] || why="not killed (exit $rc: $(head -1 kill.err))"
        airseal-recv verify --station st st/custody.log > /dev/null 2>&1 || why="$why; log broken after the kill"
        airseal-recv trust st list > list.out 2> list.err || why="$why; trust list fails: $(head -1 list.err)"
        "${cmd[@]}" > rerun.out 2> rerun.err; rr=$?
        if [ "$verb" = add ]; then done_re="is already trusted as \"two\"$"; else done_re="key $KID2 is not in the trust store$"; fi
        [ "$rr" = 0 ] || grep -qE "$done_re" rerun.err || why="$why; rerun: exit $rr $(head -1 rerun.err)"
        airseal-recv verify --station st st/custody.log > /dev/null 2>&1 || why="$why; log broken after the rerun"
        v=$(trust_vs_log st)
        [ "$v" = same ] || why="$why; store vs log: $v"
        n=$(grep -c " trust-$verb .*key=$KID2 " st/custody.log)
        [ "$n" = 1 ] || why="$why; $n trust-$verb entries"
        airseal-recv trust st list | grep -q "^$KID2 " && listed=1 || listed=0
        want=1; [ "$verb" = remove ] && want=0
        [ "$listed" = "$want" ] || why="$why; the key is listed=$listed after the rerun"
        no_temp || why="$why; temporary files left"
        if [ -n "$why" ]; then not_ok "trust $verb killed at $step:${why#;}"; else ok "trust $verb killed at $step: log verifies, store completed from the log, rerun done once"; fi
    done
done

done_testing
