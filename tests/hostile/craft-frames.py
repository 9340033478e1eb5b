#!/usr/bin/env python3
"""Crafts hostile QR frames from a genuine one, re-encoded with stock qrencode (byte mode).

    craft-frames.py CASE GENUINE.png OUT.png

reads the genuine frame's payload with stock zbarimg (binary mode), changes it as CASE says,
recomputes the CRC where the attack needs a valid one, and writes OUT.png. The frame header's
layout is not copied here: it is the library's table, printed by `astool frame-layout`. Cases:

  huge-count     the header claims 2^32-1 data blocks (valid CRC)
  conflict       the same block index with a different payload (valid CRC)
  garbage        valid CRC, random payload, same index
  bad-crc        one payload byte changed, CRC left as it was
  other-bundle   the same frame re-labelled with another bundle id (valid CRC)
  bad-magic      not an airseal frame at all (valid-looking otherwise)
  huge-layout    a 57-byte frame of the same bundle claiming S = 64 MiB in 16-byte blocks at
                 30% (about 4.2 million blocks), consistent header, valid CRC
  max-stripes    the same at 100% redundancy: the most stripes a claim can make (33026)
  relabel        the frame re-labelled with the bundle id prefix of the frame in argument 4
                 (another bundle's frames under this one's 8-byte id)
  png-huge-dims  a 100000 x 100000 grey PNG header with a tiny IDAT (file under 100 bytes)
  png-ztxt-bomb  the genuine PNG with a zTXt chunk inflating to 256 MiB, and an iCCP chunk
                 inflating to 64 MiB, before its image data
  png-idat-bomb  a 16384 x 4096 grey PNG of zeros: 64 MiB of pixels from 65 KiB
  png-1x1        a one-pixel PNG
  png-truncated  the genuine PNG cut in half
  jpeg-scans     a small progressive JPEG whose first scan is repeated 5000 times
"""
import os
import struct
import shutil
import subprocess
import sys
import zlib



def frame_layout():
    """The header fields {name: (offset, width)} and the header length, from the library."""
    out = subprocess.run(["astool", "frame-layout"], check=True, capture_output=True,
                         text=True).stdout
    fields = {}
    for line in out.splitlines():
        name, *nums = line.split()
        fields[name] = tuple(int(n) for n in nums)
    return fields, fields.pop("header")[0]


FIELDS, HEADER = frame_layout()


def get(f, name):
    off, width = FIELDS[name]
    return int.from_bytes(bytes(f[off:off + width]), "big")


def put(f, name, value):
    off, width = FIELDS[name]
    f[off:off + width] = value.to_bytes(width, "big")


def span(name):
    off, width = FIELDS[name]
    return slice(off, off + width)


def read_frame(png):
    out = subprocess.run(["zbarimg", "-q", "--raw", "-Sbinary", png], check=True,
                         capture_output=True).stdout
    # The frame's length is in its header (HEADER + B). zbarimg 0.23 adds no newline in binary
    # mode; stripping one, as this once did, cut every block that ended in 0x0a (1 frame in
    # 256) and made the crafted frame "corrupt" instead of "conflicting". The zbarimg program
    # (not the library, which airseal reads through) sometimes appends a few stray bytes to a
    # binary payload: 4 bytes on 1 frame in about 500 here. So the frame is the header's
    # length, and its CRC must hold, or this is not the genuine frame.
    size = HEADER + get(out, "block-size")
    assert len(out) >= size, "zbarimg returned %d bytes for a %d-byte frame" % (len(out), size)
    out = out[:size]
    assert with_crc(out) == out, "zbarimg returned a frame whose CRC does not hold"
    return out


def with_crc(b):
    """The CRC covers the header up to the CRC field, then the block."""
    b = bytearray(b)
    crc = zlib.crc32(bytes(b[:FIELDS["crc32"][0]]) + bytes(b[HEADER:])) & 0xffffffff
    put(b, "crc32", crc)
    return bytes(b)


def m_for(k, pct):
    if pct == 0 or k == 0:
        return 0
    return max(1, (k * pct + 99) // 100)


def huge_layout(f, pct):
    """A frame of f's bundle claiming a 64 MiB object in 16-byte blocks, with the K and M that
    docs/FORMAT.md 8.3 derives (so only the claim's size is hostile), index the last block."""
    size, sig, block = 64 << 20, 1, 16
    k = (size + sig + block - 1) // block
    kmax = 255
    while kmax > 1 and kmax + m_for(kmax, pct) > 255:
        kmax -= 1
    stripes = (k + kmax - 1) // kmax
    klo, nhi = k // stripes, k % stripes
    m = nhi * m_for(klo + 1, pct) + (stripes - nhi) * m_for(klo, pct)
    g = bytearray(f[:HEADER]) + bytes(block)
    for name, value in (("sealed-size", size), ("signature-size", sig), ("block-size", block),
                        ("redundancy", pct), ("data-blocks", k), ("parity-blocks", m),
                        ("index", k + m - 1)):
        put(g, name, value)
    return with_crc(g)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


def zeros_deflated(n):
    co = zlib.compressobj(9)
    step = bytes(1 << 20)
    parts = [co.compress(step) for _ in range(n >> 20)]
    parts.append(co.compress(bytes(n & ((1 << 20) - 1))))
    return b"".join(parts) + co.flush()


def grey_png(w, h, idat):
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def png_chunks(data):
    at, out = 8, []
    while at < len(data):
        n = struct.unpack(">I", data[at:at + 4])[0]
        out.append((data[at + 4:at + 8], data[at:at + 12 + n]))
        at += 12 + n
    return out


def repeat_first_scan(jpeg, times):
    """Inserts `times` copies of the first SOS segment (header and entropy-coded data) before
    EOI: libjpeg only warns about a repeated progressive scan, and decodes each again."""
    at = jpeg.index(b"\xff\xda")
    end = at + 2 + struct.unpack(">H", jpeg[at + 2:at + 4])[0]
    while True:  # the entropy-coded data ends at a marker other than RST or a stuffed 0xff00
        end = jpeg.index(b"\xff", end)
        if jpeg[end + 1] == 0 or 0xd0 <= jpeg[end + 1] <= 0xd7:
            end += 2
            continue
        break
    scan = jpeg[at:end]
    eoi = jpeg.rindex(b"\xff\xd9")
    return jpeg[:eoi] + scan * times + jpeg[eoi:]


def image_case(case, genuine, out):
    """The image attacks: the file written is the hostile image itself."""
    if case == "png-huge-dims":
        data = grey_png(100000, 100000, zlib.compress(b"\0" * 64))
    elif case == "png-ztxt-bomb":
        src = open(genuine, "rb").read()
        bomb = chunk(b"zTXt", b"Comment\0\0" + zeros_deflated(256 << 20))
        icc = chunk(b"iCCP", b"icc\0\0" + zeros_deflated(64 << 20))
        parts = png_chunks(src)
        data = src[:8] + parts[0][1] + icc + bomb + b"".join(p for _, p in parts[1:])
    elif case == "png-idat-bomb":
        data = grey_png(16384, 4096, zeros_deflated(4096 * (1 + 16384)))  # filter byte + row
    elif case == "png-1x1":
        data = grey_png(1, 1, zlib.compress(b"\0\x80"))
    elif case == "png-truncated":
        src = open(genuine, "rb").read()
        data = src[:len(src) // 2]
    elif case == "jpeg-scans":
        data = repeat_first_scan(open(genuine, "rb").read(), 5000)
    else:
        return False
    open(out, "wb").write(data)
    return True


def main():
    case, genuine, out = sys.argv[1:4]
    if image_case(case, genuine, out):
        return
    f = bytearray(read_frame(genuine))
    assert f[span("magic")] == b"ASQ", "not an airseal frame"
    if case == "huge-count":
        put(f, "data-blocks", 0xffffffff)
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
        f[span("bundle")] = os.urandom(FIELDS["bundle"][1])
        f = with_crc(f)
    elif case == "bad-magic":
        f[span("magic")] = b"XYZ"
        f = with_crc(f)
    elif case in ("huge-layout", "max-stripes"):
        f = huge_layout(f, 30 if case == "huge-layout" else 100)
    elif case == "relabel":
        f[span("bundle")] = read_frame(sys.argv[4])[span("bundle")]
        f = with_crc(f)
    else:
        sys.exit("unknown case " + case)
    # the genuine frames are version 25, level M (the screen preset); qrencode grows the
    # version if a payload does not fit
    subprocess.run(["qrencode", "-8", "-l", "M", "-v", "25", "-s", "5", "-o", out],
                   input=bytes(f), check=True)


if __name__ == "__main__":
    main()
