#!/usr/bin/env python3
"""tlog_oracle.py: an independent oracle for airseal's transparency-log hashing.

Written straight from the definitions of RFC 6962 section 2.1 (MTH, PATH, PROOF/SUBPROOF),
recursively and naively, with nothing but hashlib: it shares no code and no algorithm with
common/crypto/merkle.c (which builds proofs top-down and verifies them with RFC 9162's
bit-shifting loops). It also computes the C2SP key ids and the cosignature/v1 message, whose
framing is easy to get wrong.

Prints the vectors that tests/unit/test_tlog.c checks (tests/vectors/tlog/oracle.txt);
tests/e2e/tlog_oracle.sh reruns this and compares, so the checked-in file is provably its
output. Usage: tlog_oracle.py > tests/vectors/tlog/oracle.txt
"""
import base64
import hashlib

# The leaves of the RFC 6962 reference tests (Certificate Transparency's test corpus).
CT_LEAVES = [bytes.fromhex(h) for h in
             ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
              "606162636465666768696a6b6c6d6e6f"]]


def sha256(b):
    return hashlib.sha256(b).digest()


def leaf_hash(data):
    return sha256(b"\x00" + data)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def split(n):
    """k: the largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d):
    n = len(d)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return leaf_hash(d[0])
    k = split(n)
    return node_hash(mth(d[:k]), mth(d[k:]))


def path(m, d):
    n = len(d)
    if n == 1:
        return []
    k = split(n)
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m, d, b):
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = split(n)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def proof(m, d):
    if m == 0 or m == len(d):
        return []
    return subproof(m, d, True)


def hexes(hs):
    return ",".join(h.hex() for h in hs) if hs else "-"


def key_id(name, sig_type, pk):
    return sha256(name.encode() + b"\n" + bytes([sig_type]) + pk)[:4].hex()


def emit_tree(label, leaves, roots_upto, proofs_upto, big):
    print(f"leaves {label}")
    for n in range(roots_upto + 1):
        print(f"root {n} {mth(leaves[:n]).hex()}")
    pairs = [(i, n) for n in range(1, proofs_upto + 1) for i in range(n)] + big
    for i, n in pairs:
        print(f"inclusion {i} {n} {hexes(path(i, leaves[:n]))}")
    for m, n in [(m, n) for n in range(1, proofs_upto + 1) for m in range(n + 1)] + big:
        print(f"consistency {m} {n} {hexes(proof(m, leaves[:n]))}")


def main():
    print("# airseal transparency-log vectors, made by tests/tools/tlog_oracle.py (RFC 6962")
    print("# definitions, hashlib only). Lines: leaves LABEL | root N HEX | inclusion I N PATH |")
    print("# consistency M N PROOF | keyid NAME TYPE PUBHEX ID | cosig-message TIME B64")
    print("# (PATH and PROOF: comma-separated hex hashes, or - when empty).")
    emit_tree("ct", CT_LEAVES, 8, 8, [])
    # "entry <i>": enough leaves for trees with several levels and odd edges.
    entries = [f"entry {i}".encode() for i in range(300)]
    emit_tree("entry", entries, 70, 20, [(0, 300), (299, 300), (150, 257), (255, 256),
                                         (37, 300), (255, 257), (129, 300), (1, 300)])
    # Key ids: signed-note Ed25519 (0x01) and tlog-cosignature (0x04) of one public key.
    pk = bytes(range(32))
    for sig_type in (1, 4):
        print(f"keyid airseal.test/witness {sig_type} {pk.hex()} "
              f"{key_id('airseal.test/witness', sig_type, pk)}")
    # The cosignature/v1 signed message for the example checkpoint of tlog-cosignature.
    body = b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    msg = b"cosignature/v1\ntime 1679315147\n" + body
    print(f"cosig-message 1679315147 {base64.b64encode(msg).decode()}")


if __name__ == "__main__":
    main()
