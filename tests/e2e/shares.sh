#!/usr/bin/env bash
# The share ceremony end to end (issue 17 item 3): a station's secret keys split 3 of 5 among
# custodians, restored on a fresh folder (the station's public files from a backup) from the
# PNGs (and a JPEG "photo") of 3 shares; the restored station imports a bundle sealed to it
# and its custody log verifies. Two shares, a share of another station, a damaged share, a
# folder that still has keys: each refused with one line naming why. A station with a
# passphrase is split as stored (encrypted) and restored byte for byte.
. "$AIRSEAL_ROOT/tests/lib.sh"

NAMES=(--custodian "Amira Haddad" --custodian "Bohdan Kovalenko" --custodian "Chloé Martin"
    --custodian "Dmitri Sokolov" --custodian "Esther Mwangi")

# A fresh station folder from a backup of st's public files: everything but the secret keys.
fresh() {
    mkdir -m 700 "$1" "$1/vault" "$1/staging" && mkdir "$1/receipts"
    cp -p "$2"/station.conf "$2"/station.pub "$2"/recipient.pub "$2"/recipient.png \
        "$2"/trusted-signers.txt "$2"/custody.log "$2"/custody.checkpoint "$2"/custody.tree "$1/"
}

check "init" airseal-recv init st --no-passphrase
check "init another station" airseal-recv init other --no-passphrase
check "NGO keygen" airseal-send keygen -o ngo --no-passphrase
check "trust the NGO" airseal-recv trust st add ngo.pub --yes --name "Test NGO"
ID=$(sed -n 's/^station-id: //p' st/station.conf)

# --- split
check "split 3 of 5" airseal-recv shares split st -k 3 -n 5 "${NAMES[@]}" -o sh
[ "$(ls sh | wc -l)" = 10 ] && ok "five share texts and five PNGs" || not_ok "share files: $(ls sh)"
[ -z "$(find sh -type f ! -perm 600)" ] && ok "every share file is mode 0600" || not_ok "share modes"
grep -qx "station: $ID" sh/share-3-Chlo___Martin.txt && grep -qx 'custodian: Chloé Martin' sh/share-3-Chlo___Martin.txt &&
    grep -qx 'threshold: 3' sh/share-3-Chlo___Martin.txt && ok "a share names its station, custodian and k" ||
    not_ok "share text fields"
python3 - st/identity.txt sh/share-*.txt <<'PY' && ok "no share's bytes hold the identity's secret line" || not_ok "identity visible in a share"
import base64, sys
secret = open(sys.argv[1], 'rb').read().splitlines()[2]
for f in sys.argv[2:]:
    line = [l for l in open(f, 'rb').read().splitlines() if l.startswith(b'share: ')][0]
    if secret[:24] in base64.b64decode(line[7:]):
        sys.exit(1)
PY
expect 2 'threshold of 1 is refused' "k = 1 refused" -- airseal-recv shares split st -k 1 -n 2 --custodian A --custodian B -o sh1
expect 2 '3 --custodian names, not 2' "custodians must match n" -- airseal-recv shares split st -k 2 -n 3 --custodian A --custodian B -o sh1
expect 2 'direction or invisible characters: A\\u202eB' "a bidi custodian name refused" -- airseal-recv shares split st -k 2 -n 2 --custodian A --custodian "$(printf 'A\u202eB')" -o sh1
expect 1 'already exists|holds files|not empty' "split never writes into a folder with files" -- airseal-recv shares split st -k 2 -n 5 "${NAMES[@]}" -o sh
check "split the other station" airseal-recv shares split other -k 2 -n 2 --custodian X --custodian Y -o osh

# --- restore
fresh r st
expect 1 'only 2 of the 3 shares this split needs' "two shares refused" -- \
    airseal-recv shares restore r --from sh/share-1-Amira_Haddad.png sh/share-4-Dmitri_Sokolov.png
expect 1 "the share of X \\(index 1\\) is for station [0-9A-F]{16}, not $ID" "a share of another station named" -- \
    airseal-recv shares restore r --from sh/share-1-Amira_Haddad.png osh/share-1-X.txt sh/share-4-Dmitri_Sokolov.png
cp sh/share-2-Bohdan_Kovalenko.txt bad.txt && chmod 600 bad.txt
sed -i 's/^custodian: Bohdan Kovalenko$/custodian: Bohdan Kovalenco/' bad.txt
expect 1 'bad.txt: share of Bohdan Kovalenco \(index 2\) is damaged' "a damaged share named" -- \
    airseal-recv shares restore r --from bad.txt sh/share-1-Amira_Haddad.png sh/share-4-Dmitri_Sokolov.png
[ ! -e r/identity.txt ] && [ ! -e r/station.key ] && need_clean r "refusals leave the folder without keys" || not_ok "keys written by a refused restore"
convert sh/share-4-Dmitri_Sokolov.png -resize 80% -quality 85 photo4.jpg
check "restore from 3 shares (two PNGs, one JPEG)" airseal-recv shares restore r \
    --from sh/share-1-Amira_Haddad.png sh/share-3-Chlo___Martin.png photo4.jpg
cmp -s r/identity.txt st/identity.txt && cmp -s r/station.key st/station.key && ok "the keys are restored byte for byte" || not_ok "restored keys differ"
[ "$(stat -c %a r/identity.txt r/station.key | sort -u)" = 600 ] && ok "restored keys are mode 0600" || not_ok "restored key modes"
expect 1 'already has identity.txt' "restore never replaces a key" -- \
    airseal-recv shares restore r --from sh/share-2-Bohdan_Kovalenko.txt sh/share-3-Chlo___Martin.txt sh/share-5-Esther_Mwangi.txt
mkdir ev && printf 'statement of witness W-7\n' > ev/w7.txt
check "pack a bundle sealed to the station" airseal-send pack -r st/recipient.pub -s ngo.key -o b --case SH-1 ev
check "the restored station imports it" airseal-recv import r b
check "its custody log verifies" airseal-recv verify --station r r/custody.log

# --- a station with a passphrase: split as stored, encrypted
printf 'correct horse battery staple\n' > pass.txt && chmod 600 pass.txt
check "init protected" airseal-recv init pst --passphrase-file pass.txt
check "trust the NGO (protected)" airseal-recv trust pst add ngo.pub --yes --name "Test NGO" --passphrase-file pass.txt
check "split the protected station 2 of 3" airseal-recv shares split pst -k 2 -n 3 --custodian A --custodian B --custodian C -o psh
grep -q 'passphrase is needed too' "$T/.out" && ok "split says the passphrase is needed too" || not_ok "split passphrase note"
fresh pr pst
check "restore the protected station from 2 text shares" airseal-recv shares restore pr --from psh/share-3-C.txt psh/share-1-A.txt
cmp -s pr/identity.age pst/identity.age && cmp -s pr/station.key pst/station.key && ok "identity.age and station.key restored byte for byte" || not_ok "protected keys differ"
check "pack a bundle sealed to the protected station" airseal-send pack -r pst/recipient.pub -s ngo.key -o pb --case SH-2 ev
check "the restored protected station imports it with its passphrase" airseal-recv import pr pb --passphrase-file pass.txt
check "its custody log verifies" airseal-recv verify --station pr pr/custody.log
echo "1..$T_N"
