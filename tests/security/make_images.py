"""Photos and scans, ordinary and hostile, made with Pillow and patched where a decoder would refuse to help."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

GPS = {1: "N", 2: (38.0, 52.0, 10.0), 3: "E", 4: (115.0, 28.0, 5.0)}  # a site in Baoding


def jpeg(size=(64, 32), mode="RGB", orientation: int | None = None, gps: bool = False, **save) -> bytes:
    image = Image.new(mode, size, "red" if mode != "CMYK" else (0, 255, 255, 0))
    image.paste("blue" if mode != "CMYK" else (255, 255, 0, 0), (0, 0, size[0] // 2, size[1]))  # left half
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x010F] = "PhoneMaker"
        exif[0x0131] = "Camera 1.0"
        exif.get_ifd(0x8825).update(GPS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, **save)
    return buffer.getvalue()


def png(size=(32, 16), mode="RGB", **save) -> bytes:
    colour = {"RGB": "red", "RGBA": (255, 0, 0, 128), "L": 128, "P": 3, "I;16": 40000, "1": 1, "LA": (128, 200)}[mode]
    image = Image.new(mode, size, colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **save)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_chunks(base: bytes, *chunks: bytes) -> bytes:
    """Chunks inserted right after IHDR (8 signature bytes + 25 bytes of IHDR chunk)."""
    return base[:33] + b"".join(chunks) + base[33:]


def png_header_only(width: int, height: int) -> bytes:
    """A small PNG whose header claims width x height (the decoder would allocate for that)."""
    base = png((8, 8), "L")
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return base[:8] + png_chunk(b"IHDR", ihdr) + base[33:]


def png_pixel_bomb(width: int, height: int) -> bytes:
    """A real 1-bit PNG of width x height blank pixels: tiny on disk, gigabytes once decoded."""
    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    first = packer.compress(row * 64) + packer.flush(zlib.Z_FULL_FLUSH)
    repeated = packer.compress(row * 64) + packer.flush(zlib.Z_FULL_FLUSH)
    data = first + repeated * (height // 64 - 1) + packer.flush()
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


def jpeg_with_dimensions(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims width x height."""
    data = bytearray(jpeg((16, 16)))
    sof = data.find(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg_with_app_segment(marker: int, payload: bytes) -> bytes:
    """An APPn segment (XMP, a comment...) inserted after SOI."""
    data = jpeg()
    segment = bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    return data[:2] + segment + data[2:]


def exif_gps_png() -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8825).update(GPS)
    return png_with_chunks(png(), png_chunk(b"eXIf", exif.tobytes()[6:] if exif.tobytes().startswith(b"Exif")
                                            else exif.tobytes()),
                           png_chunk(b"tEXt", b"Comment\x00site of the audit, 38.87N 115.47E"))
