/*
 * ct.h: marks a value computed from secrets as public, for the constant-time check.
 *
 * tests/e2e/ct_valgrind.sh builds the crypto code with AS_CT_VALGRIND and runs it under
 * valgrind memcheck with every secret input marked undefined: any branch or memory index that
 * depends on a secret is then reported. A few values are computed from secrets but published
 * by design (ML-KEM's rho is half of G(d || k) and goes into the encapsulation key); they are
 * declassified here, at the point where the standard makes them public, so that rejection
 * sampling on them is not reported. In every other build the macro does nothing.
 */
#ifndef AIRSEAL_CRYPTO_CT_H
#define AIRSEAL_CRYPTO_CT_H

#ifdef AS_CT_VALGRIND
#include <valgrind/memcheck.h>
#define AS_CT_PUBLIC(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define AS_CT_PUBLIC(p, n) ((void)(p), (void)(n))
#endif

#endif
