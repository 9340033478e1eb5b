#!/usr/bin/env bash
# The transparency-log vectors that test_tlog checks (tests/vectors/tlog/oracle.txt) are
# exactly what the independent Python oracle (tests/tools/tlog_oracle.py, hashlib only) prints,
# and the oracle itself reproduces the published RFC 6962 test roots.
. "$AIRSEAL_ROOT/tests/lib.sh"
python3 "$AIRSEAL_ROOT/tests/tools/tlog_oracle.py" > oracle.txt 2> oracle.err
if cmp -s oracle.txt "$AIRSEAL_ROOT/tests/vectors/tlog/oracle.txt"; then
    ok "tlog_oracle.py reproduces tests/vectors/tlog/oracle.txt ($(wc -l < oracle.txt) lines)"
else
    not_ok "tlog_oracle.py output differs from tests/vectors/tlog/oracle.txt"
    head -3 oracle.err | sed 's/^/#   /'
fi
# Certificate Transparency's published roots of its 8-leaf test tree, sizes 1 and 8.
grep -qx 'root 1 6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d' oracle.txt &&
    grep -qx 'root 8 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328' oracle.txt &&
    ok "the oracle gives RFC 6962's published roots" || not_ok "the oracle's RFC 6962 roots differ"
done_testing
