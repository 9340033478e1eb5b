#!/usr/bin/env bash
# No source file may call the functions C programmers keep getting wrong.
. "$AIRSEAL_ROOT/tests/lib.sh"
cd "$AIRSEAL_ROOT" || exit 1
# The tracked sources, or every source when this is not a git checkout.
sources() { { git ls-files '*.c' '*.h' 2>/dev/null | grep .; } || find common sender receiver tests -name '*.[ch]'; }
[ -n "$(sources)" ] || { not_ok "no source files found"; done_testing; exit 1; }
banned='gets sprintf strcpy strcat strncpy strtok atoi sscanf'
for f in $banned; do
    hits=$(sources | xargs grep -nE "(^|[^A-Za-z0-9_])$f[[:space:]]*\\(" 2>/dev/null | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)' | head -3)
    if [ -z "$hits" ]; then ok "no call to $f()"; else not_ok "$f() is banned: $hits"; fi
done
done_testing
