#!/usr/bin/env bash
# Terminal injection: C0 and C1 controls, bidi controls and invisible format characters in
# everything an NGO (or an attacker holding its key) controls: archive entry names, manifest
# paths, case id, collector and note, the signature's comments, a receipt, a trust label.
# Each row runs one command and checks its exit status, its exact one-line error, that nothing
# it printed (stdout, stderr, --json) holds a raw control, bidi or format character or
# ill-formed UTF-8 (an oracle written in Python, independent of airseal's own tables), that
# the offending text is shown in airseal's escaped notation, and that a refusal leaves the
# station unchanged byte for byte. The wall time and peak memory of each run are printed.
. "$AIRSEAL_ROOT/tests/lib.sh"
CRAFT="python3 $AIRSEAL_ROOT/tests/hostile/craft-bundle.py"

minisign -G -W -p ngo.pub -s ngo.key > /dev/null 2>&1 && ok "stock minisign makes the NGO key" || not_ok "minisign -G"
check "a second NGO key" airseal-send keygen -o ngob --no-passphrase
check "station init" airseal-recv init st --no-passphrase
check "trust the NGO" airseal-recv trust st add ngo.pub --yes --name "NGO A"
R=$(cat st/recipient.pub)
mkdir -p ev && printf 'statement\n' > ev/s.txt
check "a bundle to import (its receipt is forged below)" airseal-send pack -r st/recipient.pub -s ngo.key -o good --case ICC-01/22 ev
check "import it" airseal-recv import st good
cp ngo.pub "$(printf 'ngo\u202egnp.pub')"

# The oracle: every file must be well-formed UTF-8 without C0 controls (but LF), DEL, C1
# controls, format characters (Unicode category Cf: bidi, zero-width, BOM, tags) or line and
# paragraph separators; a file that starts with '{' must be one valid JSON object.
clean() {
    python3 - "$@" <<'PY'
import json, sys, unicodedata
for path in sys.argv[1:]:
    raw = open(path, 'rb').read()
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as e:
        sys.exit('%s: ill-formed UTF-8 at byte %d' % (path, e.start))
    for i, ch in enumerate(text):
        if ch != '\n' and unicodedata.category(ch) in ('Cc', 'Cf', 'Zl', 'Zp'):
            sys.exit('%s: raw U+%04X at character %d' % (path, ord(ch), i))
    if text.startswith('{'):
        json.loads(text)
PY
}

# --- makers: each sets CMD (the command), ST (the station it must leave as it was, empty for
# none) and GONE (a path that must not exist afterwards, or empty).
crafted() { # CASE [--json]: import a crafted bundle
    [ -d "b-$1" ] || $CRAFT "$1" "b-$1" ngo "$R" > craft.log 2>&1 || { diag "crafting $1 failed"; sed 's/^/#   /' craft.log | tail -3; }
    CMD=(airseal-recv import ${2:-} st "b-$1") ST=st GONE=
}
verified() { # CASE: verify a crafted bundle against the trust store, as JSON
    [ -d "b-$1" ] || $CRAFT "$1" "b-$1" ngo "$R" > craft.log 2>&1 || diag "crafting $1 failed"
    CMD=(airseal-recv verify --json --station st "b-$1") ST=st GONE=
}
packed() { # CASE_ID: pack with a case id
    CMD=(airseal-send pack -r st/recipient.pub -s ngo.key -o out-pack --case "$(printf "$1")" ev) ST=st GONE=out-pack
}
labelled() { # LABEL: trust a second key under a label
    CMD=(airseal-recv trust st add ngob.pub --yes --name "$(printf "$1")") ST=st GONE=
}
labelled_ok() { # LABEL: as labelled, expected to succeed
    labelled "$1"
    ST=
}
receipt() { # PROGRAM CASE_ID [--json]: a receipt with another case line, signed by the station
    local r id sid
    r=$(ls st/receipts/*.receipt | head -1) id=$(basename "$r" .receipt)
    sid=$(sed -n 's/^station: //p' "$r")
    rm -rf rc && mkdir rc
    CASE_ID=$(printf "$2") python3 -c '
import os, re, sys
t = open(sys.argv[1], encoding="utf-8").read()
t = re.sub(r"(?m)^case: .*$", lambda m: "case: " + os.environ["CASE_ID"], t)
open(sys.argv[2], "w", encoding="utf-8").write(t)' "$r" "rc/$id.receipt"
    minisign -S -s st/station.key -m "rc/$id.receipt" -t "airseal-receipt v1 bundle:$id station:$sid" < /dev/null > /dev/null 2>&1 || diag "signing the receipt failed"
    if [ "$1" = send ]; then
        CMD=(airseal-send verify-receipt ${3:-} -p st/station.pub "rc/$id.receipt")
    else
        CMD=(airseal-recv verify ${3:-} -p st/station.pub "rc/$id.receipt")
    fi
    ST=st GONE=
}
edited_store() { # LABEL: a copy of the station whose trust store was edited by hand
    rm -rf st2 && cp -a st st2
    printf '%s %s %s\n' "$(sed -n 's/^untrusted comment: minisign public key //p' ngob.pub)" \
        "$(sed -n 2p ngob.pub)" "$(printf "$1")" >> st2/trusted-signers.txt
    CMD=(airseal-recv trust st2 list) ST=st2 GONE=
}
keyfile_named() { # verify the good bundle with -p a key file whose name holds an RLO
    CMD=(airseal-recv verify -p "$(printf 'ngo\u202egnp.pub')" good) ST= GONE=
}

E="airseal-[a-z]+: error: "
# NAME | MAKER | STATUS | LINE (ERE; empty: success, nothing on stderr) | SHOWN (literal; may be empty)
ROWS=(
    "C1 CSI (U+009B) in an unlisted entry name|crafted text-c1-entry|1|${E}file name contains control characters: \\\\u009b31mred\\.txt$|\\u009b31m"
    "ESC, OSC and BEL in an unlisted entry name|crafted text-esc-entry|1|${E}file name contains control characters: \\\\x1b\\[2J\\\\x1b\\]0;pwned\\\\x07x\\.txt$|\\x1b[2J\\x1b]0;pwned\\x07"
    "RLO in an unlisted entry name|crafted text-rlo-entry|1|${E}the archive holds report\\\\u202efdp\\.exe, which the manifest does not list$|report\\u202efdp.exe"
    "RLO in an unlisted entry name, --json|crafted text-rlo-entry --json|1|${E}the archive holds report\\\\u202efdp\\.exe, which the manifest does not list$|report\\\\u202efdp.exe"
    "C1 NEL (U+0085) in a listed path|crafted text-c1-path|1|${E}manifest: file name contains control characters: a\\\\u0085b\\.txt$|a\\u0085b.txt"
    "ZWJ in a listed path|crafted text-zwj-path|1|${E}wit\\\\u200dness\\.txt does not match its SHA-256 in the manifest$|wit\\u200dness.txt"
    "BOM at the start of a listed path|crafted text-bom-path|1|${E}\\\\ufeffstatement\\.txt: the archive declares 18 bytes, the manifest 19$|\\ufeffstatement.txt"
    "tag characters in a listed path|crafted text-tag-path|1|${E}flag\\\\U000e0001\\\\U000e0067\\\\U000e007f\\.txt does not match its SHA-256 in the manifest$|flag\\U000e0001\\U000e0067\\U000e007f.txt"
    "U+2028 in a listed path|crafted text-u2028-path|1|${E}line\\\\u2028break\\.txt does not match its SHA-256 in the manifest$|line\\u2028break.txt"
    "RLO in the case id: refused before decrypting|crafted text-rlo-case|1|${E}the bundle's case id contains direction or invisible characters: ICC-\\\\u202e22/10$|ICC-\\u202e22/10"
    "RLO in the case id, --json|crafted text-rlo-case --json|1|${E}the bundle's case id contains direction or invisible characters: ICC-\\\\u202e22/10$|ICC-\\\\u202e22/10"
    "RLO in the case id, verify --json|verified text-rlo-case|1|${E}the bundle's case id contains direction or invisible characters: ICC-\\\\u202e22/10$|ICC-\\\\u202e22/10"
    "ZWSP in the manifest's case id only|crafted text-zwsp-manifest-case|1|${E}manifest case id contains direction or invisible characters: ICC-\\\\u200b01$|ICC-\\u200b01"
    "C1 CSI in the collector|crafted text-c1-collector|1|${E}manifest collector is not printable UTF-8$|"
    "bidi controls in the trusted comment|crafted text-trusted-comment|1|${E}not an airseal bundle signature: unexpected data at the end of the trusted comment$|"
    "ESC, RLO and C1 in the untrusted comment (never shown)|crafted text-untrusted-comment|0||"
    "RLO, isolates, ZWSP, BOM and tags in collector and note (prose, kept)|crafted text-bidi-prose --json|0||\"verdict\":\"imported\""
    "RLO in the case id at pack|packed ICC-\\u202e22/10|2|${E}the case id must not contain direction or invisible characters: ICC-\\\\u202e22/10$|ICC-\\u202e22/10"
    "Word joiner in the case id at pack|packed ICC\\u2060-7|2|${E}the case id must not contain direction or invisible characters: ICC\\\\u2060-7$|ICC\\u2060-7"
    "RLI in a trust label|labelled NGO\\u2067B|2|${E}a label must not contain direction or invisible characters: NGO\\\\u2067B$|NGO\\u2067B"
    "C1 in a trust label|labelled NGO\\u009bB|2|${E}a label must be printable UTF-8 on one line$|"
    "a hand-edited trust store with an RLO label|edited_store NGO\\u202eB|1|${E}st2/trusted-signers\\.txt: trust store line 4: bad label or duplicate key$|"
    "a label that spells a fake escape is shown with its backslash doubled|labelled_ok NGO\\\\u202eB|0||NGO\\\\u202eB"
    "RLO in a key file's name, shown by verify|keyfile_named|0||ngo\\u202egnp.pub"
    "RLO in a receipt's case id: verify-receipt|receipt send ICC-\\u202e22/10|1|${E}the receipt's case id contains direction or invisible characters: ICC-\\\\u202e22/10$|ICC-\\u202e22/10"
    "RLO in a receipt's case id: verify-receipt --json|receipt send ICC-\\u202e22/10 --json|1|${E}the receipt's case id contains direction or invisible characters: ICC-\\\\u202e22/10$|ICC-\\\\u202e22/10"
    "ZWJ in a receipt's case id: the station's verify|receipt recv ICC\\u200d-1|1|${E}the receipt's case id contains direction or invisible characters: ICC\\\\u200d-1$|ICC\\u200d-1"
)

worst_t=0 worst_m=0 worst_row=
for row in "${ROWS[@]}"; do
    IFS='|' read -r name maker status line shown <<< "$row"
    $maker
    before=
    [ -n "$ST" ] && before=$(station_state "$ST")
    /usr/bin/time -f '%e %M' -o time.txt "${CMD[@]}" > out.txt 2> err.txt
    rc=$?
    read -r secs kib < <(tail -n 1 time.txt) # the last line: time adds one on a non-zero exit
    diag "$name: $secs s, $kib KiB"
    if [ "$status" != 0 ] && awk -v a="$secs" -v b="$worst_t" 'BEGIN { exit !(a > b) }'; then worst_t=$secs worst_row=$name; fi
    [ "$status" != 0 ] && [ "$kib" -gt "$worst_m" ] && worst_m=$kib
    [ "$rc" = "$status" ] && ok "$name: exit $status" || not_ok "$name: exit $rc, expected $status"
    if [ -n "$line" ]; then
        if [ "$(wc -l < err.txt)" = 1 ] && grep -qE -- "^$line" err.txt; then ok "$name: the one error line"; else not_ok "$name: error line"; sed 's/^/#   /' err.txt | head -3; fi
    else
        [ ! -s err.txt ] && ok "$name: nothing on stderr" || { not_ok "$name: stderr"; sed 's/^/#   /' err.txt | head -3; }
    fi
    why=$(clean out.txt err.txt 2>&1) && ok "$name: no raw control, bidi or format character printed" || not_ok "$name: $why"
    if [ -n "$shown" ]; then
        cat out.txt err.txt | grep -qF -- "$shown" && ok "$name: shows $shown" || not_ok "$name: $shown not shown"
    fi
    if [ -n "$ST" ] && [ "$status" != 0 ]; then
        [ "$(station_state "$ST")" = "$before" ] && ok "$name: station unchanged byte for byte" || not_ok "$name: station changed"
    fi
    if [ -n "$GONE" ]; then
        [ ! -e "$GONE" ] && ok "$name: nothing written" || not_ok "$name: $GONE written"
    fi
done
diag "worst refusal: $worst_t s ($worst_row), $worst_m KiB peak"

# The prose kept by import is in the vault's signed manifest, as the NGO wrote it.
m=$(grep -l '^collector: ' st/vault/hostile/*/manifest.txt | head -1)
[ -n "$m" ] && grep -q "$(printf 'collector: \u202eanA')" "$m" && ok "collector and note reach the vault unchanged" || not_ok "prose not kept in the vault"
# What the station wrote stays plain: the receipts and the custody log.
clean st/receipts/*.receipt st/custody.log && ok "receipts and custody log hold no raw control, bidi or format character" || not_ok "receipts or custody log"
done_testing
