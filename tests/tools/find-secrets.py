#!/usr/bin/env python3
"""find-secrets.py: looks for secret key material anywhere in files or in a live process.

  find-secrets.py files KEYFILE... -- PATH...   every byte of every file under each PATH
  find-secrets.py proc PID SECRET...            /proc/PID/cmdline and /proc/PID/environ

KEYFILEs are unencrypted secret keys: minisign secret key files (NAME.key, station.key) and
age identity files (identity.txt). Each gives several forms of its secret, all searched
anywhere in the bytes (not only at a line's start): the raw seed or scalar, its base64 and
hex, the 64-byte Ed25519 secret key and its base64, the key file's base64 line, the
AGE-SECRET-KEY string (X25519 or PQ hybrid). Prints one line per hit ("PATH: FORM") and exits 1 if there was any,
0 if none.
"""
import base64, os, sys

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_payload(s):
    data = [CHARSET.index(c) for c in s[s.rindex("1") + 1:].lower()][:-6]
    acc = bits = 0
    out = bytearray()
    for v in data:
        acc, bits = (acc << 5) | v, bits + 5
        while bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    return bytes(out)


def forms(path):
    text = open(path, "rb").read().decode()
    found = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(("AGE-SECRET-KEY-1", "AGE-SECRET-KEY-PQ-1")):  # X25519 scalar or hybrid seed
            scalar = bech32_payload(line)
            found["age identity string"] = line.encode()
            found["age scalar raw"] = scalar
        elif line.startswith("RW") and len(line) > 100:
            blob = base64.b64decode(line)
            sk = blob[62:126]  # sig alg, kdf alg, checksum alg, salt, limits, key number
            found["minisign key line"] = line.encode()
            found["ed25519 secret key raw"] = sk
            found["ed25519 seed raw"] = sk[:32]
    out = []
    for name, raw in found.items():
        out.append((path + " " + name, raw))
        if "raw" in name:
            out.append((path + " " + name.replace("raw", "base64"), base64.b64encode(raw).rstrip(b"=")))
            out.append((path + " " + name.replace("raw", "hex"), raw.hex().encode()))
    return out


def scan(label, data, secrets):
    hits = 0
    for name, s in secrets:
        if s and s in data:
            print("%s: %s" % (label, name))
            hits += 1
    return hits


def main(argv):
    hits = 0
    if argv[0] == "files":
        sep = argv.index("--")
        secrets = [f for k in argv[1:sep] for f in forms(k)]
        for root in argv[sep + 1:]:
            for d, _, files in os.walk(root) if os.path.isdir(root) else [("", [], [root])]:
                for f in files:
                    p = os.path.join(d, f)
                    if os.path.isfile(p) and not os.path.islink(p):
                        hits += scan(p, open(p, "rb").read(), secrets)
    else:
        pid, secrets = argv[1], [("secret %d" % i, s.encode()) for i, s in enumerate(argv[2:])]
        for what in ("cmdline", "environ"):
            hits += scan("/proc/%s/%s" % (pid, what), open("/proc/%s/%s" % (pid, what), "rb").read(), secrets)
    return 1 if hits else 0


sys.exit(main(sys.argv[1:]))
