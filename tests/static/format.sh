#!/usr/bin/env bash
# The tree follows .clang-format. The check is exact with clang-format 14 (Debian 12), the
# version the formatting was decided with; other versions may format edge cases differently,
# so with them the check reports differences but only fails on the pinned version.
. "$AIRSEAL_ROOT/tests/lib.sh"
cd "$AIRSEAL_ROOT" || exit 1
# The tracked sources, or every source when this is not a git checkout.
sources() { { git ls-files '*.c' '*.h' 2>/dev/null | grep .; } || find common sender receiver tests -name '*.[ch]'; }
[ -n "$(sources)" ] || { not_ok "no source files found"; done_testing; exit 1; }
CF=$(command -v clang-format-14 || command -v clang-format)
if [ -z "$CF" ]; then not_ok "clang-format is not installed (make deps)"; done_testing; exit 1; fi
major=$("$CF" --version | sed -n 's/.*version \([0-9]*\).*/\1/p')
bad=$(sources | while read -r f; do
    "$CF" --dry-run --Werror "$f" > /dev/null 2>&1 || echo "$f"; done)
if [ -z "$bad" ]; then
    ok "all $(sources | wc -l) C files match .clang-format (clang-format $major)"
elif [ "$major" = 14 ]; then
    not_ok "files not formatted (run make format): $(echo $bad | head -c 300)"
else
    ok "formatting checked with clang-format $major, advisory only (pinned: 14); differs: $(echo $bad | head -c 200)"
fi
done_testing
