#!/usr/bin/env bash
# The manual pages render without warnings (groff -ww, man -l), and make install / uninstall
# put them and the programs under DESTDIR and PREFIX, and take them away again.
. "$AIRSEAL_ROOT/tests/lib.sh"
for page in airseal-send.1 airseal-recv.1; do
    src=$AIRSEAL_ROOT/docs/man/$page
    LC_ALL=C.UTF-8 groff -ww -man -Tutf8 "$src" > rendered 2> warnings
    [ ! -s warnings ] && [ -s rendered ] && ok "$page: groff -ww renders it without warnings" || { not_ok "$page: groff warnings"; sed 's/^/#   /' warnings | head -5; }
    MANWIDTH=80 man -l "$src" > man.out 2> man.err
    [ ! -s man.err ] && grep -q "EXIT STATUS" man.out && ok "$page: man -l renders it" || not_ok "$page: man -l: $(head -1 man.err)"
done
# Every verb, and every long option its --help lists, is in the page.
for prog_verbs in "airseal-send:keygen pack qr verify-receipt verify-entry fingerprint" "airseal-recv:init trust import verify log shares fingerprint"; do
    prog=${prog_verbs%%:*} page=$AIRSEAL_ROOT/docs/man/${prog_verbs%%:*}.1
    for verb in ${prog_verbs#*:}; do
        grep -q "^\.B $prog $verb" "$page" && ok "$prog(1) documents $verb" || not_ok "$prog(1) lacks $verb"
        missing=""
        for opt in $("$prog" "$verb" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
            grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" "$page" || missing="$missing $opt"
        done
        [ -z "$missing" ] && ok "$prog(1) documents every option of $verb --help" || not_ok "$prog(1) lacks$missing ($verb)"
    done
done
# install and uninstall, with the binaries this suite tests
M="make -s --no-print-directory -C $AIRSEAL_ROOT BUILD=$AIRSEAL_BUILD SANITIZE=1 PREFIX=/opt/as DESTDIR=$T/dest"
check "make install DESTDIR=... PREFIX=/opt/as" $M install
for f in bin/airseal-send bin/airseal-recv share/man/man1/airseal-send.1 share/man/man1/airseal-recv.1; do
    [ -f "dest/opt/as/$f" ] && ok "installed $f" || not_ok "missing $f"
done
[ -x dest/opt/as/bin/airseal-send ] && [ "$(stat -c %a dest/opt/as/share/man/man1/airseal-send.1)" = 644 ] && ok "modes: programs executable, pages 0644" || not_ok "install modes"
check "make uninstall" $M uninstall
[ -z "$(find dest -type f)" ] && ok "uninstall removed every installed file" || not_ok "left: $(find dest -type f)"
done_testing
