#!/usr/bin/env python3
"""Crafts hostile QR frames from a genuine one, re-encoded with stock qrencode (byte mode).

    craft-frames.py CASE GENUINE.png OUT.png

reads the genuine frame's payload with stock zbarimg (binary mode), changes it as CASE says,
recomputes the CRC where the attack needs a valid one, and writes OUT.png. Cases:

  huge-count     the header claims 2^32-1 data blocks (valid CRC)
  conflict       the same block index with a different payload (valid CRC)
  garbage        valid CRC, random payload, same index
  bad-crc        one payload byte changed, CRC left as it was
  other-bundle   the same frame re-labelled with another bundle id (valid CRC)
  bad-magic      not an airseal frame at all (valid-looking otherwise)
"""
import os
import struct
import subprocess
import sys
import zlib

HEADER = 41


def read_frame(png):
    out = subprocess.run(["zbarimg", "-q", "--raw", "-Sbinary", png], check=True,
                         capture_output=True).stdout
    # The frame's length is in its header (41 + B, B at offset 22). zbarimg 0.23 adds no
    # newline in binary mode; stripping one, as this once did, cut every block that ended in
    # 0x0a (1 frame in 256) and made the crafted frame "corrupt" instead of "conflicting".
    size = HEADER + struct.unpack(">H", out[22:24])[0]
    assert len(out) in (size, size + 1), "zbarimg returned %d bytes for a %d-byte frame" % (len(out), size)
    return out[:size]


def with_crc(b):
    b = bytearray(b)
    crc = zlib.crc32(bytes(b[:37]) + bytes(b[HEADER:])) & 0xffffffff
    b[37:41] = struct.pack(">I", crc)
    return bytes(b)


def main():
    case, genuine, out = sys.argv[1:4]
    f = bytearray(read_frame(genuine))
    assert f[:3] == b"ASQ", "not an airseal frame"
    if case == "huge-count":
        f[25:29] = struct.pack(">I", 0xffffffff)
        f = with_crc(f)
    elif case == "conflict":
        f[HEADER] ^= 0x01
        f = with_crc(f)
    elif case == "garbage":
        f[HEADER:] = os.urandom(len(f) - HEADER)
        f = with_crc(f)
    elif case == "bad-crc":
        f[HEADER + 5] ^= 0x80
    elif case == "other-bundle":
        f[4:12] = os.urandom(8)
        f = with_crc(f)
    elif case == "bad-magic":
        f[0:3] = b"XYZ"
        f = with_crc(f)
    else:
        sys.exit("unknown case " + case)
    # the genuine frames are version 25, level M (the screen preset); qrencode grows the
    # version if a payload does not fit
    subprocess.run(["qrencode", "-8", "-l", "M", "-v", "25", "-s", "5", "-o", out],
                   input=bytes(f), check=True)


if __name__ == "__main__":
    main()
