#!/usr/bin/env bash
# tests/guides/world.sh ACTION: what happens around the people in the guides that is not a
# command of theirs, run by runner.py at a guide's "<!-- guide-test: world ACTION -->".
# The current folder is the world: ngo-laptop/, station-pc/, auditor/ and media/ (the guides'
# /media). Nothing here is airseal's own work except the stranger's bundle, made the way any
# other NGO would make it.
set -euo pipefail
: "${AIRSEAL_ROOT:?}"
case ${1:?action} in
ngo-laptop)
    # The NGO's laptop holds the evidence the team collected; a USB stick is plugged in.
    cp -r "$AIRSEAL_ROOT/tests/demo/evidence" ngo-laptop/evidence
    mkdir -p media/usb
    ;;
camera-first-pass)
    # The station's camera films the player on the NGO's screen but, before the loop comes
    # round again, the operator stops it: it got frames 1-5 and every third one after that.
    mkdir -p media/photos
    i=0
    for f in ngo-laptop/frames/frame-*.png; do
        i=$((i + 1))
        if [ "$i" -le 5 ] || [ $((i % 3)) = 0 ]; then cp "$f" media/photos/; fi
    done
    ;;
camera-second-pass)
    # The NGO steps the player to the frames the station named; the camera photographs them
    # (and the operator, to be sure, every frame it missed the first time).
    mkdir -p media/photos-2
    for f in ngo-laptop/frames/frame-*.png; do
        [ -e "media/photos/$(basename "$f")" ] || cp "$f" media/photos-2/
    done
    ;;
stranger)
    # A stick arrives with a bundle sealed for this station by an NGO it has never trusted.
    d=$(mktemp -d)
    airseal-send keygen -o "$d/unknown" --no-passphrase > /dev/null
    mkdir -p "$d/ev" && echo "unsolicited file" > "$d/ev/note.txt"
    mkdir -p media/usb2
    airseal-send pack -r station-pc/station/recipient.pub -s "$d/unknown.key" -o media/usb2/bundle \
        --case ICC-01/22 "$d/ev" > /dev/null
    rm -rf "$d"
    ;;
backup-disk)
    mkdir -p media/backup
    ;;
share-photos)
    # Three custodians' printed pages, photographed with a phone: a little smaller, JPEG.
    mkdir -p media/photos
    convert media/shares/share-1-Amira_Haddad.png -resize 85% -quality 85 media/photos/amira.jpg
    convert media/shares/share-3-Chlo___Martin.png -resize 85% -quality 85 media/photos/chloe.jpg
    convert media/shares/share-5-Esther_Mwangi.png -resize 85% -quality 85 media/photos/esther.jpg
    ;;
*)
    echo "world.sh: unknown action $1" >&2
    exit 2
    ;;
esac
