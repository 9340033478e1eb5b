#!/usr/bin/env bash
# Constant time, checked mechanically: ML-KEM-768 runs under valgrind memcheck with its secrets
# marked undefined (tests/ct/ct_mlkem.c); any branch or memory index that depends on a secret is
# reported and fails the test. Built outside the sanitizer build (memcheck and ASan exclude each
# other), optimised as the release is (cc -O2) and by the other compiler (clang -O2), because
# the optimiser decides which comparisons become branches. A control run branches on a secret on
# purpose and must be caught, so the check cannot pass by not looking. DWARF 4: valgrind 3.19
# cannot read the DWARF 5 that clang writes by default.
. "$AIRSEAL_ROOT/tests/lib.sh"

R=$AIRSEAL_ROOT
SRC=("$R/tests/ct/ct_mlkem.c" "$R/common/crypto/mlkem.c" "$R/common/crypto/sha3.c"
     "$R/common/core/secret.c" "$R/common/core/error.c" "$R/common/core/text.c"
     "$R/common/core/bytes.c")
# shellcheck disable=SC2207
LIBS=($(pkg-config --cflags --libs libsodium libcrypto))
VG=(valgrind --error-exitcode=99 --leak-check=no)

for compiler in cc clang; do
    if ! "$compiler" -std=c11 -O2 -gdwarf-4 -D_GNU_SOURCE -DAS_CT_VALGRIND -I"$R" "${SRC[@]}" "${LIBS[@]}" \
        -o "ct_$compiler" 2> build.err; then
        not_ok "$compiler -O2 builds the constant-time check"
        sed 's/^/#   /' build.err | head -5
        continue
    fi
    ok "$compiler -O2 builds the constant-time check"
    "${VG[@]}" "./ct_$compiler" > out 2> vg.log
    rc=$?
    n=$(grep -cE 'depends on uninitialised|Use of uninitialised value' vg.log)
    if [ "$rc" = 0 ] && [ "$n" = 0 ] && grep -q '^ML-KEM-768 keygen, encaps, decaps and implicit rejection ran on undefined secrets$' out; then
        ok "$compiler: no branch or index depends on a secret in keygen, encaps, decaps, implicit rejection"
    else
        not_ok "$compiler: memcheck reports secret-dependent code (exit $rc, $n report(s))"
        grep -A6 'uninitialised' vg.log | sed 's/^/#   /' | head -20
    fi
    "${VG[@]}" "./ct_$compiler" --control > out 2> vg.log
    rc=$?
    if [ "$rc" = 99 ] && grep -A1 'Conditional jump or move depends on uninitialised value' vg.log | grep -qE 'main \(([^)]*/)?ct_mlkem\.c:'; then
        ok "$compiler: the control branch on a secret is reported (the check can fail)"
    else
        not_ok "$compiler: the control branch on a secret went unreported (exit $rc)"
    fi
done
done_testing
