#!/usr/bin/env bash
# The station lock under contention: trust additions and removals race each other and
# imports of bundles signed by the key being added and removed, for many rounds. Every
# command either does its whole job, is refused with its one line, or answers "busy" (exit 4)
# with nothing done; afterwards the custody log verifies, the trust store equals what the
# log's trust entries give, and no import is logged from a key that was not trusted at that
# point of the log. Then a removal racing a long import: the import is refused, or it is
# logged before the removal.
. "$AIRSEAL_ROOT/tests/lib.sh"
ROUNDS=${STATION_LOCK_ROUNDS:-30}
BUSY='^airseal-recv: error: station st is busy: another airseal-recv is working on it; nothing was done \(run the same command again when it has finished\)$'

check "init" airseal-recv init st --no-passphrase
check "keygen A" airseal-send keygen -o nga --no-passphrase
check "keygen B" airseal-send keygen -o ngb --no-passphrase
check "trust A" airseal-recv trust st add nga.pub --yes --name "NGO A"
KB=$(airseal-recv trust st add ngb.pub --yes --name "NGO B" | sed -n 's/^Trusted NGO key \([0-9A-F]*\) .*/\1/p')
[ -n "$KB" ] && ok "trust B ($KB)" || not_ok "trust B"
mkdir ev && printf 'statement\n' > ev/s.txt
for i in 1 2 3 4 5 6; do
    printf 'statement %s\n' "$i" > ev/s.txt
    airseal-send pack -r st/recipient.pub -s ngb.key -o "bb$i" --case "C-$i" ev > /dev/null 2>&1 || not_ok "pack bb$i"
done
ok "six bundles signed by B"

# Runs "$@" and records "status<TAB>first stderr line" in the file $LOGF.
run_logged() {
    local logf=$1; shift
    "$@" > /dev/null 2> "$logf.err"
    printf '%s\t%s\n' "$?" "$(head -1 "$logf.err")" >> "$logf"
}
adder() { for _ in $(seq "$ROUNDS"); do
    run_logged adder.st airseal-recv trust st add ngb.pub --yes --name "NGO B"
    run_logged adder.st airseal-recv trust st remove "$KB"; done; }
remover() { for _ in $(seq "$ROUNDS"); do
    run_logged remover.st airseal-recv trust st remove "$KB"
    run_logged remover.st airseal-recv trust st add ngb.pub --yes --name "NGO B"; done; }
importer() { for r in $(seq "$ROUNDS"); do
    run_logged importer.st airseal-recv import st "bb$(( (r % 6) + 1 ))"; done; }
start=$(date +%s)
adder & p1=$!
remover & p2=$!
importer & p3=$!
wait $p1 $p2 $p3
diag "$((3 * ROUNDS * 2 - ROUNDS)) commands in $(( $(date +%s) - start )) s"

# Every answer is one of: done (0), a refusal that the race explains (1), busy (4).
bad=0
while IFS=$'\t' read -r rc line; do
    case "$rc" in
    0) ;;
    1) printf '%s\n' "$line" | grep -qE 'is already trusted as "NGO B"$|which this station does not trust' || { bad=$((bad + 1)); diag "unexpected refusal: $line"; } ;;
    2) printf '%s\n' "$line" | grep -qE "^airseal-recv: error: key $KB is not in the trust store$" || { bad=$((bad + 1)); diag "unexpected usage error: $line"; } ;;
    4) printf '%s\n' "$line" | grep -qE "$BUSY" || { bad=$((bad + 1)); diag "busy without its line: $line"; } ;;
    *) bad=$((bad + 1)); diag "exit $rc: $line" ;;
    esac
done < <(cat adder.st remover.st importer.st)
[ "$bad" = 0 ] && ok "every answer is done, a refusal the race explains, or busy with its one line" || not_ok "$bad unexpected answers"
n_busy=$(cut -f1 adder.st remover.st importer.st | grep -c '^4$' || true)
n_done=$(cut -f1 adder.st remover.st importer.st | grep -c '^0$' || true)
diag "$n_done done, $n_busy busy"
[ "$n_done" -gt 0 ] && ok "some changes went through" || not_ok "nothing went through"
check "the custody log verifies" airseal-recv verify --station st st/custody.log
v=$(trust_vs_log st)
[ "$v" = same ] && ok "the trust store equals the log's trust entries; imports only from keys trusted then" || not_ok "trust store vs log: $v"
check "trust list agrees" airseal-recv trust st list
[ -z "$(ls -A st/staging)" ] && [ -z "$(find st -name '.*.tmp-*')" ] && ok "no staging or temporary files left" || not_ok "leftovers in st"

# A removal racing a long import (the intake of 40 MB takes seconds under the sanitizers).
# long_race WHEN CASE: WHEN=intake starts the removal once the import has taken the lock (its
# staging entry exists), WHEN=now at once (while the import still reads its source, without
# the lock). The removal retries while busy. Either the import is logged before the removal,
# or it is refused (busy, or its key no longer trusted) with nothing logged.
head -c 40000000 /dev/urandom > ev/big.bin
check "pack a large bundle signed by B" airseal-send pack -r st/recipient.pub -s ngb.key -o big --case LONG ev
long_race() {
    local when=$1 case=$2 tries=0 irc seq_imp seq_rm w=0
    airseal-recv trust st add ngb.pub --yes --name "NGO B" > /dev/null 2>&1
    airseal-recv import st big > long.out 2> long.err & pi=$!
    if [ "$when" = intake ]; then
        until ls -d st/staging/import-*/entry > /dev/null 2>&1 || [ $w -gt 600 ]; do sleep 0.05; w=$((w + 1)); done
    fi
    until airseal-recv trust st remove "$KB" > rm.out 2> rm.err; do
        [ "$?" = 4 ] && grep -qE "$BUSY" rm.err || break
        tries=$((tries + 1)); sleep 0.1
    done
    wait $pi; irc=$?
    diag "$when: removal after $tries busy answers; import exit $irc"
    grep -q "^Removed NGO key $KB" rm.out && ok "$when: the removal went through" || not_ok "$when: removal: $(head -1 rm.err)"
    seq_imp=$(grep -n " import .*case=$case " st/custody.log | cut -d: -f1)
    seq_rm=$(grep -n " trust-remove .*key=$KB" st/custody.log | tail -1 | cut -d: -f1)
    if [ "$irc" = 0 ] && [ -n "$seq_imp" ] && [ "$seq_imp" -lt "$seq_rm" ]; then
        ok "$when: the import finished and was logged before the removal"
    elif [ "$irc" = 1 ] && [ -z "$seq_imp" ] && grep -qE "which this station does not trust" long.err; then
        ok "$when: the import was refused: its key was removed first"
    elif [ "$irc" = 4 ] && [ -z "$seq_imp" ] && grep -qE "$BUSY" long.err; then
        ok "$when: the import answered busy (the removal held the lock) and did nothing"
    else
        not_ok "$when: import exit $irc, import entry ${seq_imp:-none}, removal entry ${seq_rm:-none}: $(head -1 long.err)"
    fi
    [ "$when" != intake ] || [ "$irc" = 0 ] && ok "$when: outcome as the timing dictates" || not_ok "$when: an import holding the lock must finish first"
    check "$when: the custody log verifies after the race" airseal-recv verify --station st st/custody.log
    v=$(trust_vs_log st)
    [ "$v" = same ] && ok "$when: trust store equals the log after the race" || not_ok "$when: trust store vs log: $v"
}
long_race intake LONG
# the same bundle again would be "already imported": a fresh one for the second race
printf 'another\n' > ev/s.txt
check "pack a second large bundle" airseal-send pack -r st/recipient.pub -s ngb.key -o big2 --case LONG2 ev
rm -rf big && mv big2 big
long_race now LONG2

# The sweep under the lock removes what interrupted imports left in staging, but not the work
# folder of an import still reading its sources (it holds an flock on that folder).
mkdir -p st/staging/import-live st/staging/import-dead && : > st/staging/import-dead/bundle.age
flock -x st/staging/import-live sleep 30 & holder=$!
sleep 0.3
airseal-recv trust st add ngb.pub --yes --name "NGO B" > /dev/null 2>&1
check "an import runs beside a live work folder" airseal-recv import st bb1
[ -d st/staging/import-live ] && [ ! -e st/staging/import-dead ] && ok "the sweep kept the live work folder and removed the dead one" || not_ok "staging after the sweep: $(ls st/staging)"
kill "$holder" 2> /dev/null; wait "$holder" 2> /dev/null
# A source is read before the lock is taken: with the lock held, a damaged source is
# reported as such, not as busy.
mkdir bad && printf 'not a bundle' > bad/bundle.age
exec 9> st/.lock && flock -x 9
expect 1 "^airseal-recv: error: no signature \(bundle\.age\.minisig or bundle\.index\) in the sources$" "with the lock held, the source is read and refused first" -- airseal-recv import st bad
exec 9>&-

# Two inits of one folder at once: exactly one wins, the other says the folder exists.
for r in 1 2 3 4 5; do
    airseal-recv init "two$r" --no-passphrase > i1.out 2> i1.err & a=$!
    airseal-recv init "two$r" --no-passphrase > i2.out 2> i2.err & b=$!
    wait $a; ra=$?; wait $b; rb=$?
    [ $((ra + rb)) = 1 ] && grep -qE "^airseal-recv: error: two$r exists and is not empty; refusing to overwrite a station$" i1.err i2.err || { not_ok "two inits, round $r: exits $ra and $rb"; continue; }
    airseal-recv verify --station "two$r" "two$r/custody.log" > /dev/null 2>&1 && [ -z "$(ls -d two$r.init-* 2> /dev/null)" ] || { not_ok "round $r: the station is not whole or a temporary is left"; continue; }
    ok "two inits of one folder, round $r: one station, one refusal"
done
done_testing
