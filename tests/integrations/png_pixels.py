"""Reading the pixels of a PNG (what the QR tests check drawings with; no image library is installed): chunks,
the palette, and the scanlines un-filtered as the PNG specification (section 9) defines the five filter types."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Png:
    width: int
    height: int
    bit_depth: int
    color_type: int
    palette: list[tuple[int, int, int]]
    rows: list[bytes]  # un-filtered scanlines

    def index(self, x: int, y: int) -> int:
        """The sample at (x, y): a palette index (color type 3) or a grey level (color type 0)."""
        per_byte = 8 // self.bit_depth
        byte = self.rows[y][x // per_byte]
        shift = 8 - self.bit_depth * (x % per_byte + 1)
        return (byte >> shift) & ((1 << self.bit_depth) - 1)

    def rgb(self, x: int, y: int) -> tuple[int, int, int]:
        sample = self.index(x, y)
        if self.color_type == 3:
            return self.palette[sample]
        grey = sample * 255 // ((1 << self.bit_depth) - 1)
        return grey, grey, grey


def read_png(data: bytes) -> Png:
    assert data[:8] == SIGNATURE
    chunks: dict[bytes, list[bytes]] = {}
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        chunks.setdefault(kind, []).append(body)
        at += 12 + length
    kinds = list(chunks)
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"][0])
    assert interlace == 0 and color in (0, 3) and depth in (1, 2, 4, 8)
    plte = chunks.get(b"PLTE", [b""])[0]
    palette = [tuple(plte[i:i + 3]) for i in range(0, len(plte), 3)]
    raw = zlib.decompress(b"".join(chunks[b"IDAT"]))
    stride = (width * depth + 7) // 8
    rows: list[bytes] = []
    previous = bytes(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        row = _unfilter(line[0], bytearray(line[1:]), previous)
        rows.append(row)
        previous = row
    return Png(width, height, depth, color, palette, rows)  # type: ignore[arg-type]


def _unfilter(kind: int, line: bytearray, previous: bytes) -> bytes:
    for i in range(len(line)):
        left = line[i - 1] if i else 0
        up = previous[i]
        upper_left = previous[i - 1] if i else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            line[i] = (line[i] + _paeth(left, up, upper_left)) & 0xFF
    return bytes(line)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c
