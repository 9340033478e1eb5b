#!/usr/bin/env bash
# Hostile archives inside validly signed, validly encrypted bundles (made with stock minisign
# and age by tests/hostile/craft-bundle.py): each is rejected with exit 1 and one line naming
# the attack, and the station is left exactly as it was: vault, custody log, receipts, staging.
. "$AIRSEAL_ROOT/tests/lib.sh"
CRAFT="python3 $AIRSEAL_ROOT/tests/hostile/craft-bundle.py"

minisign -G -W -p ngo.pub -s ngo.key > /dev/null 2>&1 && ok "stock minisign makes the NGO key" || not_ok "minisign -G"
check "station init" airseal-recv init st --no-passphrase
check "station trusts the NGO" airseal-recv trust st add ngo.pub --yes
R=$(cat st/recipient.pub)

state() { (cd st && find vault receipts staging -printf '%p %s %m\n' | LC_ALL=C sort && cat custody.log) | sha256sum; }

# case  expected status  expected message
while IFS='|' read -r name status regex; do
    [ -n "$name" ] || continue
    if ! $CRAFT "$name" "b-$name" ngo "$R" > craft.log 2>&1; then
        not_ok "$name: crafting failed"; sed 's/^/#   /' craft.log | tail -3; continue
    fi
    before=$(state)
    expect "$status" "$regex" "$name is rejected" -- airseal-recv import st "b-$name"
    [ "$(state)" = "$before" ] && ok "$name: vault, log, receipts and staging unchanged" || not_ok "$name: station changed"
    [ ! -e /tmp/airseal-evil ] && [ ! -e "$T/evil" ] && [ ! -e "$T/st/evil" ] && ok "$name: nothing written outside the station" || not_ok "$name: wrote outside"
done <<'CASES'
absolute-path|1|entry outside evidence/: /tmp/airseal-evil$
dotdot|1|'\.' or '\.\.' component in \.\./\.\./evil$
dotdot-listed|1|manifest: '\.' or '\.\.' component in x/\.\./\.\./evil$
symlink|1|symbolic link in the archive: evidence/a\.txt$
hardlink|1|hard link in the archive: evidence/b\.txt$
device|1|device file in the archive: evidence/a\.txt$
fifo|1|FIFO in the archive: evidence/a\.txt$
duplicate|1|a\.txt appears twice in the archive$
case-collision|1|witness\.txt collides with another name when case is ignored
case-collision-unicode|1|été\.txt collides with another name when case is ignored
invalid-utf8|1|archive entry name is not valid UTF-8$
control-char|1|file name contains control characters
not-in-manifest|1|the archive holds extra\.txt, which the manifest does not list$
missing-entry|1|the manifest lists b\.txt, which the archive lacks$
size-mismatch|1|a\.txt: the archive declares 18 bytes, the manifest 23$
hash-mismatch|1|a\.txt does not match its SHA-256 in the manifest$
outside-evidence|1|unexpected archive entry outside evidence/: README$
long-path|1|manifest file line 1 is too long
long-path-unlisted|1|path longer than 1024 bytes
file-and-folder|1|a/b collides with another name when case is ignored \(or a file is also a folder\)
too-many-files|1|declares 50001 files, more than the 50000 allowed$
manifest-not-first|1|must start with manifest\.txt and manifest\.txt\.minisig
unlisted-folder|1|folder empty in the archive holds no listed file$
CASES

# A declared 4 GiB entry with 1 KiB of data: refused up front when the disk cannot hold it
# (status 3), otherwise found truncated while extracting (status 1).
$CRAFT huge-declared b-huge ngo "$R" > /dev/null 2>&1
before=$(state)
free=$(df -P -B1 st | awk 'NR == 2 { print $4 }')
if [ "$free" -gt $((5 << 30)) ]; then
    expect 1 "big: Truncated tar archive" "declared 4 GiB entry with 1 KiB of data is rejected" -- airseal-recv import st b-huge
else
    expect 3 "not enough disk space" "declared 4 GiB entry is refused for lack of space" -- airseal-recv import st b-huge
fi
[ "$(state)" = "$before" ] && ok "huge-declared: station unchanged" || not_ok "huge-declared: station changed"

# The control: the same crafting, done right, imports.
check "craft a good bundle" $CRAFT good b-good ngo "$R"
check "the well-formed crafted bundle imports" airseal-recv import st b-good
check "the custody log still verifies" airseal-recv verify --station st st/custody.log
[ "$(grep -c ' import ' st/custody.log)" = 1 ] && ok "exactly one import in the log" || not_ok "import count"

done_testing
