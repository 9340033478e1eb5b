#!/usr/bin/env bash
# The staircase of layers (docs/ARCHITECTURE.md), checked three ways:
#   a. the #include lines: core < crypto < bundle < transport < station, image beside crypto
#      (core only; transport and above may use it), ui above the whole library, sender/ and
#      receiver/ on top and never included by anything else; the library imports nothing that
#      prints, prompts or parses argv (nm on libairseal.a);
#   b. nm on the two programs: airseal-recv carries no sealing or USB-writing code,
#      airseal-send no intake, receipt-signing, custody-log-writing or frame-collecting code;
#   c. no function in common/ longer than 80 lines.
# Each check is run first on something planted to fail, so a check that sees nothing fails.
. "$AIRSEAL_ROOT/tests/lib.sh"

LIBRARY='core crypto image bundle transport station'

# The folders a file in folder $1 may include from, besides its own; "?" for a folder that is
# not in the table (a new folder must be placed on the staircase here first).
may_include() {
    case $1 in
    core) echo '' ;;
    crypto | image) echo 'core' ;;
    bundle) echo 'core crypto' ;;
    transport) echo 'core crypto image bundle' ;;
    station) echo 'core crypto image bundle transport' ;;
    ui) echo "$LIBRARY" ;;
    sender | receiver) echo "$LIBRARY ui" ;;
    *) echo '?' ;;
    esac
}

# Sets REPLY to the layer of a path relative to the tree's root: core, ui, sender, ... or
# "outside". (REPLY rather than output: this runs for every include, without a subshell.)
layer_of() {
    case $1 in
    common/*/*) REPLY=${1#common/} && REPLY=${REPLY%%/*} ;;
    sender/* | receiver/*) REPLY=${1%%/*} ;;
    *) REPLY=outside ;;
    esac
}

# Sets REPLY to the path $1 with its "." and ".." segments folded, as the compiler reads it.
fold_path() {
    local IFS=/ part
    local -a parts out=()
    read -ra parts <<< "$1"
    for part in "${parts[@]}"; do
        case $part in
        '' | .) ;;
        ..) if [ ${#out[@]} -gt 0 ] && [ "${out[-1]}" != .. ]; then unset 'out[-1]'; else out+=(..); fi ;;
        *) out+=("$part") ;;
        esac
    done
    REPLY="${out[*]}"
}

# Prints one line per include that breaks the table, for the tree at $1 ("FILE:LINE: A may
# not include B (HEADER)"); returns 1 if there is any.
check_includes() {
    local root=$1 bad=0 f rel from allowed n inc target
    while IFS= read -r f; do
        rel=${f#"$root"/}
        layer_of "$rel" && from=$REPLY
        allowed=$(may_include "$from")
        if [ "$allowed" = '?' ]; then
            echo "$rel: common/$from is not in the layer table" && bad=1
            continue
        fi
        while IFS=: read -r n inc; do
            # A quoted include is found next to the file first, else from the root (-I.).
            fold_path "${rel%/*}/$inc" && target=$REPLY
            [ -e "$root/$target" ] || [ ! -e "$root/$inc" ] || target=$inc
            layer_of "$target"
            [ "$REPLY" = "$from" ] && continue
            case " $allowed " in *" $REPLY "*) continue ;; esac
            echo "$rel:$n: $from may not include $REPLY ($inc)" && bad=1
        done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
            sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1:\2/')
    done < <(find "$root/common" "$root/sender" "$root/receiver" -name '*.[ch]' | LC_ALL=C sort)
    return $bad
}

# Prints "LINES FILE:LINE NAME" for every function whose body is longer than $1 lines, in
# clang-formatted C: a body runs from a "{" alone at column 0 to the next "}" at column 0; the
# name is the first identifier before "(" on the first line of the signature.
long_functions() {
    local limit=$1 && shift
    awk -v lim="$limit" '
    FNR == 1 { body = 0; sig = "" }
    body && $0 == "}" {
        n = FNR - start - 1
        if (n > lim) {
            s = sig; gsub(/__attribute__\(\(.*\)\)/, "", s)
            name = "?"
            if (match(s, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/)) {
                name = substr(s, RSTART, RLENGTH - 1); sub(/[ \t]+$/, "", name)
            }
            printf "%d %s:%d %s\n", n, FILENAME, start, name
        }
        body = 0; sig = ""; next
    }
    body { next }
    $0 == "{" { body = 1; start = FNR; next }
    $0 ~ /^[ \t]*$/ || $0 ~ /;[ \t]*$/ || $0 ~ /\*\/[ \t]*$/ || $0 ~ /^}/ { sig = ""; next }
    sig == "" && /\(/ { sig = $0 }
    ' "$@" | sort -rn
}

# Defined symbols of a binary or archive, one a line.
defined_symbols() { nm --defined-only "$1" 2> /dev/null | awk 'NF >= 3 {print $3}' | sort -u; }

# The symbols of $2 (a list, one a line) that match the extended regex $1, space-separated.
matching() { grep -E -- "$1" <<< "$2" | tr '\n' ' ' | sed 's/ $//'; }

# ---------------------------------------------------------------- a. includes

cd "$AIRSEAL_ROOT" || exit 1
if out=$(check_includes "$AIRSEAL_ROOT"); then
    ok "every #include follows the layer table"
else
    not_ok "includes against the layer table: $(echo "$out" | head -20 | tr '\n' ';')"
    echo "$out" | sed 's/^/#   /'
fi

# The check on a copy of the tree with one include planted at a time: the back-arrows issue 13
# found, one of each other kind, and two arrows the table allows (which must pass).
mkdir -p "$T/tree"
find common sender receiver -name '*.[ch]' -print0 | xargs -0 cp --parents -t "$T/tree"
plant() { # file header expected-line-fragment ("" when the include is allowed)
    local f=$T/tree/$1 saved=$T/saved out rc
    if [ -e "$f" ]; then cp "$f" "$saved"; else rm -f "$saved"; fi
    mkdir -p "$(dirname "$f")" && printf '#include "%s"\n' "$2" >> "$f"
    out=$(check_includes "$T/tree")
    rc=$?
    if [ -e "$saved" ]; then cp "$saved" "$f"; else rm -f "$f" && rmdir "$(dirname "$f")" 2> /dev/null; fi
    if [ -z "$3" ]; then
        if [ "$rc" = 0 ]; then ok "allowed: $1 may include $2"; else not_ok "$1 including $2 refused: $out"; fi
    elif [ "$rc" != 0 ] && grep -qF -- "$1:" <<< "$out" && grep -qF -- "$3" <<< "$out"; then
        ok "caught: $(grep -F -- "$3" <<< "$out" | head -1)"
    else
        not_ok "planted $2 in $1 not caught as '$3' (status $rc): $out"
    fi
}
plant common/bundle/seal.c ../ui/progress.h "bundle may not include ui (../ui/progress.h)"
plant common/bundle/unseal.c ../ui/progress.h "bundle may not include ui"
plant common/transport/usb.c ../ui/progress.h "transport may not include ui"
plant common/transport/scan.c ../ui/progress.h "transport may not include ui"
plant common/transport/frame_render.c ../ui/progress.h "transport may not include ui"
plant common/core/bytes.c ../crypto/sha256.h "core may not include crypto"
plant common/crypto/age.c ../bundle/manifest.h "crypto may not include bundle"
plant common/crypto/age.c ../image/qr.h "crypto may not include image"
plant common/image/planted.c ../transport/frame.h "image may not include transport"
plant common/bundle/manifest.c ../station/receipt.h "bundle may not include station"
plant common/station/receipt.c ../ui/cli.h "station may not include ui"
plant common/ui/cli.c ../../receiver/commands.h "ui may not include receiver"
plant sender/cmd_pack.c receiver/commands.h "sender may not include receiver"
plant receiver/main.c ../tests/unit/helpers.h "receiver may not include outside"
plant common/newlayer/x.c ../core/error.h "common/newlayer is not in the layer table"
plant common/transport/planted.c ../image/planted.h ""
plant common/ui/planted.c ../station/receipt.h ""

# The library never prints, prompts or parses argv: libairseal.a imports none of these (the
# _chk names are what a FORTIFY build calls instead). The ui archive must import some of
# them, which shows nm sees imports at all.
ui_only='^(printf|puts|putchar|fputs|fprintf|vfprintf|vprintf|perror|__printf_chk|__fprintf_chk|__vfprintf_chk|__vprintf_chk|stdin|stdout|stderr|getopt|getopt_long|getopt_long_only|optind|optarg|isatty|tcgetattr|tcsetattr|getpass)$'
imports() { nm --undefined-only "$1" 2> /dev/null | awk '{print $NF}' | sort -u; }
lib=$AIRSEAL_BUILD/libairseal.a ui=$AIRSEAL_BUILD/libairseal-ui.a
if [ ! -f "$lib" ] || [ ! -f "$ui" ]; then
    not_ok "libairseal.a or libairseal-ui.a is not built in $AIRSEAL_BUILD"
else
    hits=$(matching "$ui_only" "$(imports "$lib")")
    if [ -z "$hits" ]; then ok "libairseal.a imports nothing that prints, prompts or parses argv"; else not_ok "libairseal.a imports: $hits"; fi
    hits=$(matching "$ui_only" "$(imports "$ui")")
    if [ -n "$hits" ]; then ok "the same check finds the front end's imports in libairseal-ui.a ($hits)"; else not_ok "nm finds no terminal or argv import even in libairseal-ui.a"; fi
fi

# ---------------------------------------------------------------- b. each program its side

# Each row: program, what it must not carry, the regex of those symbols. The same regex must
# match symbols of the other program (it is that side's code), so a stale name fails too.
side_rows='airseal-recv|sealing (as_seal*)|^as_seal($|_)
airseal-recv|the USB writer (as_usb_out_*)|^as_usb_out_
airseal-recv|the parity encoder used for writing (as_ec_encode)|^as_ec_encode$
airseal-recv|the QR frame encoder (as_frame_encoder_*)|^as_frame_encoder_
airseal-recv|the bundle README (symbols named *readme*)|[Rr][Ee][Aa][Dd][Mm][Ee]
airseal-recv|the manifest writer (as_manifest_format)|^as_manifest_format$
airseal-send|intake (as_intake*)|^as_intake
airseal-send|import (as_import_*)|^as_import_
airseal-send|receipt signing (as_receipt_sign*)|^as_receipt_sign
airseal-send|custody log writing (as_custody_append*, create, migrate, sync, prove)|^as_custody_(append|create|migrate|sync|prove)
airseal-send|the frame collector (as_frame_set_*, as_frame_bundle_*, as_frame_collect*)|^as_frame_(set_|bundle_|collect)'
declare -A syms=()
for prog in airseal-send airseal-recv; do
    [ -x "$AIRSEAL_BUILD/$prog" ] && syms[$prog]=$(defined_symbols "$AIRSEAL_BUILD/$prog")
done
while IFS='|' read -r prog what regex; do
    other=airseal-send && [ "$prog" = airseal-send ] && other=airseal-recv
    if [ -z "${syms[$prog]:-}" ] || [ -z "${syms[$other]:-}" ]; then
        not_ok "$prog or $other is not built or has no symbol table (cannot check $what)"
        continue
    fi
    hits=$(matching "$regex" "${syms[$prog]}")
    if [ -z "$hits" ]; then ok "$prog carries no $what"; else not_ok "$prog carries $what: $hits"; fi
    [ -n "$(matching "$regex" "${syms[$other]}")" ] ||
        not_ok "the pattern for $what matches nothing in $other either: the list is stale"
done <<< "$side_rows"
# The README text itself, whatever its symbols are called.
if [ -n "${syms[airseal-recv]:-}" ]; then
    if grep -aq 'EVIDENCE BUNDLE sealed with airseal' "$AIRSEAL_BUILD/airseal-recv"; then
        not_ok "airseal-recv carries the bundle README's text"
    else
        ok "airseal-recv carries no bundle README text"
    fi
fi

# ---------------------------------------------------------------- c. function length

# The counter itself, on a planted file: a body of 81 lines is reported, one of 80 is not.
{
    echo '/* planted */'
    echo 'static int fits(int a,'
    echo '                int b)'
    echo '{'
    for i in $(seq 80); do echo "    a += b; /* $i */"; done
    echo '}'
    echo
    echo '__attribute__((unused)) static int too_long(void)'
    echo '{'
    for i in $(seq 81); do echo "    int x$i = $i;"; done
    echo '}'
} > "$T/planted.c"
out=$(long_functions 80 "$T/planted.c")
if [ "$out" = "81 $T/planted.c:88 too_long" ]; then
    ok "the length check reports an 81-line body and passes an 80-line one"
else
    not_ok "the length check on a planted file gave: '$out'"
fi

out=$(long_functions 80 common/*/*.[ch])
if [ -z "$out" ]; then
    ok "no function in common/ is longer than 80 lines"
else
    not_ok "functions in common/ longer than 80 lines: $(echo "$out" | awk '{printf "%s%s (%s, %d)", sep, $3, $2, $1; sep = "; "}')"
fi
diag "sender/ and receiver/ over 80 lines (not enforced): $(long_functions 80 sender/*.c receiver/*.c | awk '{printf "%s%s %d", sep, $3, $1; sep = ", "}')"
done_testing
