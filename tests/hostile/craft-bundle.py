#!/usr/bin/env python3
"""Builds hostile but validly signed and encrypted bundles for the import tests.

    craft-bundle.py CASE OUTDIR NGO RECIPIENT [MANIFEST_RECIPIENT]

writes OUTDIR/bundle.age and OUTDIR/bundle.age.minisig: a tar archive crafted for the attack
CASE, whose manifest and outer signature are made with stock minisign by the key pair NGO
(NGO.key unencrypted, NGO.pub) and whose encryption is stock age to RECIPIENT (airseal's own
age through astool for an age1pq1... hybrid RECIPIENT, which age 1.1.1 lacks). Everything a
signer can do is done right, so the import must catch the attack in the archive itself.
The cases are listed in CASES below; `craft-bundle.py --list` prints their names.
MANIFEST_RECIPIENT, when given, is the recipient the signed manifest names instead of
RECIPIENT (a bundle re-encrypted for a station it was not sealed for).
"""
import base64
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import time

GOOD = b"witness statement\n"


def sha(b):
    return hashlib.sha256(b).hexdigest()


def manifest(bundle, keyid, recipient, files, case="hostile", more=()):
    """files: list of (path, size, sha256hex), written in the given order; more: extra header
    lines (collector, note) after the case."""
    head = [
        "airseal-manifest v1",
        "bundle: " + bundle,
        "case: " + case,
        *more,
        "created: " + time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "sender: " + keyid,
        "recipient: " + recipient,
        "files: %d" % len(files),
        "bytes: %d" % sum(f[1] for f in files),
        "",
    ]
    lines = [h + "\n" for h in head]
    lines += ["%s %d %s\n" % (d, s, p) for p, s, d in files]
    return "".join(lines).encode("utf-8", "surrogateescape")


def pct(text):
    """%-encodes as airseal's trusted comment and custody log do (FORMAT.md section 6)."""
    keep = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:/@+-")
    return "".join(chr(c) if c in keep else "%%%02X" % c for c in text.encode("utf-8"))


def member(tar, name, data=b"", kind=tarfile.REGTYPE, link="", size=None):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = 0o644
    info.mtime = 1700000000
    info.linkname = link
    info.size = len(data) if size is None else size
    if size is not None:
        # a header that declares more than the data that follows it
        raw = info.tobuf(tar.format, tar.encoding, tar.errors) + data
        tar.fileobj.write(raw)
        tar.offset += len(raw)
    elif kind == tarfile.REGTYPE:
        tar.addfile(info, io.BytesIO(data))
    else:
        info.size = 0
        tar.addfile(info)


def key_id(pub_path):
    """The key id of a minisign public key file: bytes 2..9 of the key, little-endian, as 16
    hex digits (stock minisign's comment line drops leading zeros, so it is not used)."""
    with open(pub_path) as f:
        f.readline()
        raw = base64.b64decode(f.readline().strip())
    return raw[2:10][::-1].hex().upper()


def listed(*pairs):
    return [(p, len(d), sha(d)) for p, d in pairs]


# Each case: (manifest file list, function adding the evidence entries, tar format).
# The manifest and its signature are always the first two entries unless a case says so.
def plain(*pairs):
    def add(t):
        for p, d in pairs:
            member(t, "evidence/" + p, d)
    return add


CASES = {
    # the control: a well-formed bundle that must import
    "good": (listed(("a.txt", GOOD)), plain(("a.txt", GOOD))),
    "absolute-path": (listed(("a.txt", GOOD)),
                      lambda t: (member(t, "evidence/a.txt", GOOD), member(t, "/tmp/airseal-evil", GOOD))),
    "dotdot": (listed(("a.txt", GOOD)),
               lambda t: (member(t, "evidence/a.txt", GOOD), member(t, "evidence/../../evil", GOOD))),
    "dotdot-listed": ([("x/../../evil", len(GOOD), sha(GOOD))], plain(("x/../../evil", GOOD))),
    "symlink": (listed(("a.txt", GOOD)),
                lambda t: member(t, "evidence/a.txt", kind=tarfile.SYMTYPE, link="/etc/passwd")),
    "hardlink": (listed(("a.txt", GOOD), ("b.txt", GOOD)),
                 lambda t: (member(t, "evidence/a.txt", GOOD),
                            member(t, "evidence/b.txt", kind=tarfile.LNKTYPE, link="evidence/a.txt"))),
    "device": (listed(("a.txt", GOOD)),
               lambda t: member(t, "evidence/a.txt", kind=tarfile.CHRTYPE)),
    "fifo": (listed(("a.txt", GOOD)),
             lambda t: member(t, "evidence/a.txt", kind=tarfile.FIFOTYPE)),
    "duplicate": (listed(("a.txt", GOOD)),
                  lambda t: (member(t, "evidence/a.txt", GOOD), member(t, "evidence/a.txt", GOOD))),
    "case-collision": (listed(("Witness.txt", GOOD), ("witness.txt", GOOD)),
                       plain(("Witness.txt", GOOD), ("witness.txt", GOOD))),
    "case-collision-unicode": (listed(("ÉTÉ.txt", GOOD), ("été.txt", GOOD)),
                               plain(("ÉTÉ.txt", GOOD), ("été.txt", GOOD))),
    "invalid-utf8": (listed(("a.txt", GOOD)),
                     lambda t: (member(t, "evidence/a.txt", GOOD),
                                member(t, "evidence/bad\udcff.txt", GOOD))),
    "control-char": ([("bad\x01name", len(GOOD), sha(GOOD))], plain(("bad\x01name", GOOD))),
    "not-in-manifest": (listed(("a.txt", GOOD)),
                        plain(("a.txt", GOOD), ("extra.txt", GOOD))),
    "missing-entry": (listed(("a.txt", GOOD), ("b.txt", GOOD)), plain(("a.txt", GOOD))),
    "size-mismatch": ([("a.txt", len(GOOD) + 5, sha(GOOD))], plain(("a.txt", GOOD))),
    "hash-mismatch": ([("a.txt", len(GOOD), sha(b"another text....\n\n"))], plain(("a.txt", GOOD))),
    "outside-evidence": (listed(("a.txt", GOOD)),
                         lambda t: (member(t, "evidence/a.txt", GOOD), member(t, "README", GOOD))),
    "long-path": ([("d/" * 2047 + "x", len(GOOD), sha(GOOD))], plain(("d/" * 2047 + "x", GOOD))),
    "long-path-unlisted": (listed(("a.txt", GOOD)),
                           lambda t: (member(t, "evidence/a.txt", GOOD),
                                      member(t, "evidence/" + "d/" * 2047 + "x", GOOD))),
    "file-and-folder": (listed(("a", GOOD), ("a/b", GOOD)), plain(("a", GOOD), ("a/b", GOOD))),
    "too-many-files": ([("f%06d" % i, 0, sha(b"")) for i in range(50001)],
                       lambda t: None),
    "huge-declared": ([("big", 4 << 30, sha(b""))],
                      lambda t: member(t, "evidence/big", b"x" * 1024, size=4 << 30)),
    "manifest-not-first": (listed(("a.txt", GOOD)), plain(("a.txt", GOOD))),
    # 10^5 tiny entries, all listed: the manifest's file cap refuses them before any is written
    "100k-entries": ([("e%06d" % i, 1, sha(b"x")) for i in range(100000)],
                     plain(*[("e%06d" % i, b"x") for i in range(100000)])),
    # 10^5 tiny entries that the manifest does not list
    "100k-unlisted": (listed(("a.txt", GOOD)),
                      plain(("a.txt", GOOD), *[("e%06d" % i, b"x") for i in range(100000)])),
    "nul-in-name": (listed(("a.txt", GOOD)),
                    lambda t: (member(t, "evidence/a.txt", GOOD),
                               member(t, "evidence/b.txt\x00../../evil", GOOD))),
    "newline-in-name": ([("a\nb.txt", len(GOOD), sha(GOOD))], plain(("a\nb.txt", GOOD))),
    "path-4096": (listed(("a.txt", GOOD)),
                  lambda t: (member(t, "evidence/a.txt", GOOD),
                             member(t, "evidence/" + "x" * 4096, GOOD))),
    "deep-nesting": ([("d/" * 600 + "x", len(GOOD), sha(GOOD))], plain(("d/" * 600 + "x", GOOD))),
    "dot-component": (listed(("a.txt", GOOD)),
                      lambda t: (member(t, "evidence/a.txt", GOOD),
                                 member(t, "evidence/./b.txt", GOOD))),
    "unlisted-folder": (listed(("a.txt", GOOD)),
                        lambda t: (member(t, "evidence/a.txt", GOOD),
                                   member(t, "evidence/empty", kind=tarfile.DIRTYPE))),
    # --- limits (FORMAT.md 7.1): exactly at each limit imports, one beyond is refused before
    # any evidence is written
    "depth-64": ([("d/" * 63 + "x", len(GOOD), sha(GOOD))], plain(("d/" * 63 + "x", GOOD))),
    "depth-65": ([("d/" * 64 + "x", len(GOOD), sha(GOOD))], plain(("d/" * 64 + "x", GOOD))),
    "depth-300": ([("d/" * 299 + "x", len(GOOD), sha(GOOD))], plain(("d/" * 299 + "x", GOOD))),
    "name-255": (listed(("n" * 255, GOOD)), plain(("n" * 255, GOOD))),
    "name-256": (listed(("n" * 256, GOOD)), plain(("n" * 256, GOOD))),
    "path-1024": (listed(("a" * 254 + "/" + "b" * 254 + "/" + "c" * 254 + "/" + "d" * 254 + "/eeee",
                          GOOD)),
                  plain(("a" * 254 + "/" + "b" * 254 + "/" + "c" * 254 + "/" + "d" * 254 + "/eeee",
                         GOOD))),
    "path-1025": (listed(("a" * 254 + "/" + "b" * 254 + "/" + "c" * 254 + "/" + "d" * 254 + "/eeeee",
                          GOOD)),
                  plain(("a" * 254 + "/" + "b" * 254 + "/" + "c" * 254 + "/" + "d" * 254 + "/eeeee",
                         GOOD))),
    "case-folder-255": (listed(("a.txt", GOOD)), plain(("a.txt", GOOD))),
    "case-folder-256": (listed(("a.txt", GOOD)), plain(("a.txt", GOOD))),
    "declared-4tib": ([("big", 4 << 40, sha(b""))],
                      lambda t: member(t, "evidence/big", b"x" * 1024, size=4 << 40)),
    # Terminal injection (hostile_text.sh). A third element, when present, is a dict of what
    # else the signer writes: "case" (manifest and trusted comment, unless "comment_case"
    # differs), "more" (extra manifest header lines), "untrusted" (the bundle signature's
    # untrusted comment), "comment_tail" (appended to its trusted comment).
    "text-c1-entry": (listed(("a.txt", GOOD)),
                      lambda t: (member(t, "evidence/a.txt", GOOD),
                                 member(t, "evidence/\x9b31mred.txt", GOOD))),
    "text-esc-entry": (listed(("a.txt", GOOD)),
                       lambda t: (member(t, "evidence/a.txt", GOOD),
                                  member(t, "evidence/\x1b[2J\x1b]0;pwned\x07x.txt", GOOD))),
    "text-rlo-entry": (listed(("a.txt", GOOD)),
                       lambda t: (member(t, "evidence/a.txt", GOOD),
                                  member(t, "evidence/report\u202efdp.exe", GOOD))),
    "text-c1-path": ([("a\x85b.txt", len(GOOD), sha(GOOD))], plain(("a\x85b.txt", GOOD))),
    "text-zwj-path": ([("wit\u200dness.txt", len(GOOD), sha(b"other"))],
                      plain(("wit\u200dness.txt", GOOD))),
    "text-bom-path": ([("\ufeffstatement.txt", len(GOOD) + 1, sha(GOOD))],
                      plain(("\ufeffstatement.txt", GOOD))),
    "text-tag-path": ([("flag\U000e0001\U000e0067\U000e007f.txt", len(GOOD), sha(b"other"))],
                      plain(("flag\U000e0001\U000e0067\U000e007f.txt", GOOD))),
    "text-u2028-path": ([("line\u2028break.txt", len(GOOD), sha(b"other"))],
                        plain(("line\u2028break.txt", GOOD))),
    "text-rlo-case": (listed(("a.txt", GOOD)), plain(("a.txt", GOOD)),
                      {"case": "ICC-\u202e22/10"}),
    "text-zwsp-manifest-case": (listed(("a.txt", GOOD)), plain(("a.txt", GOOD)),
                                {"case": "ICC-\u200b01", "comment_case": "ICC-01"}),
    "text-c1-collector": (listed(("a.txt", GOOD)), plain(("a.txt", GOOD)),
                          {"more": ["collector: Ana \x9b2J"]}),
    "text-bidi-prose": (listed(("a.txt", GOOD)), plain(("a.txt", GOOD)),
                        {"more": ["collector: \u202eanA \u2066x\u2069",
                                  "note: zero\u200bwidth \ufeff tag\U000e0041"]}),
    "text-untrusted-comment": (listed(("a.txt", GOOD)), plain(("a.txt", GOOD)),
                               {"untrusted": "\x1b[2J\u202eFAKE \x9b OK"}),
    "text-trusted-comment": (listed(("a.txt", GOOD)), plain(("a.txt", GOOD)),
                             {"comment_tail": " \u202e\u2066"}),
    # a well-formed bundle whose id and case the caller chooses (CRAFT_BUNDLE_ID, CRAFT_CASE):
    # a second bundle reusing a known id; the evidence differs every run (CRAFT_NOTE)
    "chosen-id": (listed(("a.txt", GOOD), ("note.txt", os.environ.get("CRAFT_NOTE", "").encode())),
                  plain(("a.txt", GOOD), ("note.txt", os.environ.get("CRAFT_NOTE", "").encode()))),
    # hybrid (age1pq1...) recipients in the signed manifest (issue 15): more than the 8 a
    # manifest may list (each 1,216 bytes parsed); one with a broken checksum; one in upper case
    # (Bech32 allows it, but a manifest is canonical: lower case only)
    "pq-recipient-flood": (listed(("a.txt", GOOD)), plain(("a.txt", GOOD)),
                           {"more_recipients": 8}),
    "pq-recipient-bad-checksum": (listed(("a.txt", GOOD)), plain(("a.txt", GOOD)),
                                  {"more": ["recipient: age1pq1" + "q" * 1952]}),
    "pq-recipient-upper-case": (listed(("a.txt", GOOD)), plain(("a.txt", GOOD)),
                                {"upper_recipient": True}),
}

# The case id of a case, when not "hostile": each byte other than A-Z a-z 0-9 _ - . takes 3
# bytes of its %-encoding; over 120 the vault names the folder by a prefix and a digest.
CASE_IDS = {
    "case-folder-255": "abc" + "\u00e9" * 42,
    "case-folder-256": "abcd" + "\u00e9" * 42,
}


def b64(raw):
    return base64.b64encode(raw).decode().rstrip("=")


# Sealed files that are not made by age at all, for attacks on the age header. The signature
# over them is still valid, so the station must refuse them while decrypting.
LOW_ORDER = bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")
RAW_AGE = {
    # an X25519 stanza whose share is a point of small order: the shared secret is all zeros
    "low-order-share": b"age-encryption.org/v1\n-> X25519 " + b64(LOW_ORDER).encode() + b"\n"
                       + b64(os.urandom(32)).encode() + b"\n--- " + b64(os.urandom(32)).encode()
                       + b"\n" + os.urandom(100),
    # a passphrase stanza demanding 2^40 scrypt work: refused without trying it
    "scrypt-huge": b"age-encryption.org/v1\n-> scrypt " + b64(os.urandom(16)).encode() + b" 40\n"
                   + b64(os.urandom(32)).encode() + b"\n--- " + b64(os.urandom(32)).encode()
                   + b"\n" + os.urandom(100),
    # a header with ten thousand stanzas, none for this station
    "stanza-flood": b"age-encryption.org/v1\n"
                    + b"".join(b"-> X25519 " + b64(os.urandom(32)).encode() + b"\n"
                               + b64(os.urandom(32)).encode() + b"\n" for _ in range(10000))
                    + b"--- " + b64(os.urandom(32)).encode() + b"\n" + os.urandom(100),
}


def main():
    if sys.argv[1:] == ["--list"]:
        print("\n".join(list(CASES) + list(RAW_AGE)))
        return
    case, outdir, ngo, recipient = sys.argv[1:5]
    if case in RAW_AGE:
        os.makedirs(outdir, exist_ok=True)
        out = os.path.join(outdir, "bundle.age")
        with open(out, "wb") as f:
            f.write(RAW_AGE[case])
        comment = "airseal-bundle v1 bundle:%s case:hostile files:1 bytes:1 manifest:%s" % (
            os.urandom(16).hex(), "0" * 64)
        subprocess.run(["minisign", "-S", "-s", ngo + ".key", "-m", out, "-t", comment],
                       check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        return
    listed_recipient = sys.argv[5] if len(sys.argv) > 5 else recipient
    files, add, *rest = CASES[case]
    extra = rest[0] if rest else {}
    keyid = key_id(ngo + ".pub")
    bundle = os.environ.get("CRAFT_BUNDLE_ID") or os.urandom(16).hex()
    case_id = extra.get("case", os.environ.get("CRAFT_CASE") or CASE_IDS.get(case, "hostile"))
    more = list(extra.get("more", ()))
    more += ["recipient: " + listed_recipient] * extra.get("more_recipients", 0)
    if extra.get("upper_recipient"):
        listed_recipient = listed_recipient.upper()
    text = manifest(bundle, keyid, listed_recipient, files, case_id, more)
    os.makedirs(outdir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        mpath = os.path.join(tmp, "manifest.txt")
        with open(mpath, "wb") as f:
            f.write(text)
        subprocess.run(["minisign", "-S", "-s", ngo + ".key", "-m", mpath, "-t",
                        "airseal-manifest v1 bundle:" + bundle],
                       check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        with open(mpath + ".minisig", "rb") as f:
            sig = f.read()
        fmt = tarfile.GNU_FORMAT if case == "invalid-utf8" else tarfile.PAX_FORMAT
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
            if case == "manifest-not-first":
                add(t)
            member(t, "manifest.txt", text)
            member(t, "manifest.txt.minisig", sig)
            if case != "manifest-not-first":
                add(t)
        raw = buf.getvalue()
        if case in ("huge-declared", "declared-4tib"):
            # keep the declared size in the header but cut the data after 1 KiB
            cut = raw.find(b"x" * 1024) + 1024
            raw = raw[:cut]
        out = os.path.join(outdir, "bundle.age")
        # Debian 12's age 1.1.1 has no hybrid recipients: astool (airseal's age) seals to those
        enc = ["astool", "age-encrypt"] if recipient.startswith("age1pq1") else ["age", "-o", out]
        if enc[0] == "astool":
            with open(out, "wb") as f:
                subprocess.run(enc + ["-r", recipient], input=raw, stdout=f, check=True)
        else:
            subprocess.run(enc + ["-r", recipient], input=raw, check=True)
        total = sum(f[1] for f in files)
        comment_case = pct(extra.get("comment_case", case_id))
        comment = "airseal-bundle v1 bundle:%s case:%s files:%d bytes:%d manifest:%s" % (
            bundle, comment_case, len(files), total, sha(text)) + extra.get("comment_tail", "")
        untrusted = ["-c", extra["untrusted"]] if "untrusted" in extra else []
        subprocess.run(["minisign", "-S", "-s", ngo + ".key", "-m", out, "-t", comment,
                        *untrusted], check=True, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
