#!/usr/bin/env python3
"""Prints statistics of a PNG screenshot as JSON, with the standard library only (zlib + struct):
{"width", "height", "mean", "variance", "non_white"} over the grey level (0..255) of every pixel; non_white is the
fraction of pixels darker than 250. Used by the headless-Chromium test of the HTML report: a blank page has
variance 0. Handles 8-bit greyscale, RGB and RGBA, non-interlaced (what Chromium writes)."""

import json
import struct
import sys
import zlib


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def main(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    if depth != 8 or interlace != 0 or color not in (0, 2, 6):
        raise SystemExit(f"{path}: unsupported PNG (depth {depth}, colour type {color}, interlace {interlace})")
    channels = {0: 1, 2: 3, 6: 4}[color]
    raw = zlib.decompress(idat)
    stride = width * channels
    prev = bytearray(stride)
    total = total_sq = 0.0
    non_white = 0
    i = 0
    for _ in range(height):
        ftype = raw[i]
        line = bytearray(raw[i + 1 : i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif ftype == 4:
                line[x] = (line[x] + paeth(a, b, c)) & 255
        for x in range(0, stride, channels):
            grey = line[x] if channels == 1 else (line[x] * 299 + line[x + 1] * 587 + line[x + 2] * 114) / 1000
            total += grey
            total_sq += grey * grey
            if grey < 250:
                non_white += 1
        prev = line
    n = width * height
    mean = total / n
    print(json.dumps({"width": width, "height": height, "mean": mean, "variance": total_sq / n - mean * mean,
                      "non_white": non_white / n}))


if __name__ == "__main__":
    main(sys.argv[1])
