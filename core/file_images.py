"""Uploaded photos and scans are decoded and written again, so only pixels survive.

Whatever rides along with an image (EXIF with GPS position and camera serials, comments, XMP, a ZIP
or an executable appended after the end marker, a second image inside the metadata) is gone from the
stored copy: it is a new file produced by the decoder, not the uploaded bytes.
"""

from __future__ import annotations

import io
import warnings

from core.errors import ValidationError

# 50 megapixels: an A4 page scanned at 600 dpi is 35 MP, A3 at 400 dpi 31 MP, a phone photo 12-50 MP;
# anything larger is not a scan or a photo of a site but a way to make the server decode gigabytes
# (decoding costs 3-4 bytes per pixel: 50 MP is at most 200 MB for the moment it takes).
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 90  # visually lossless for stamped scans and photos; the size stays near the original's
_FORMATS = {"jpg": "JPEG", "png": "PNG"}
# Modes each encoder writes as they are; anything else is converted to RGB(A) first.
_KEEP_MODES = {"JPEG": {"L", "RGB", "CMYK"}, "PNG": {"1", "L", "LA", "P", "RGB", "RGBA", "I;16"}}


def reencode(kind: str, data: bytes) -> bytes:
    """The image decoded and encoded again: upright, without metadata or trailing data."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    fmt = _FORMATS[kind]
    label = "JPG" if kind == "jpg" else "PNG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the pixel check below is ours; Pillow's warning adds nothing
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                width, height = image.size  # read from the header: nothing is decoded yet
                if width * height > MAX_PIXELS:
                    raise ValidationError(
                        f"图片尺寸过大（{width}×{height}，约 {width * height / 1e6:.0f} 百万像素），"
                        f"最大 {MAX_PIXELS // 1_000_000} 百万像素，请缩小后重新上传", field="file")
                image.load()
                upright = ImageOps.exif_transpose(image)  # photos stay as the camera showed them
                icc_profile = image.info.get("icc_profile")
                dpi = image.info.get("dpi")
                transparency = image.info.get("transparency")
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own limit (far above ours) met while opening
        raise ValidationError(f"图片尺寸过大（超过 {MAX_PIXELS // 1_000_000} 百万像素），请缩小后重新上传",
                              field="file") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            EOFError, TypeError, KeyError, IndexError, ZeroDivisionError, MemoryError) as exc:
        # a decoder meets hostile input in many ways; none of them is the user's fault to debug
        raise ValidationError(f"{label} 图片无法解码：文件不完整、已损坏或并非真正的图片", field="file") from exc
    return _encode(upright, fmt, icc_profile, dpi, transparency)


def _encode(image, fmt: str, icc_profile, dpi, transparency) -> bytes:
    if image.mode not in _KEEP_MODES[fmt]:
        has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or transparency is not None
        image = image.convert("RGBA" if has_alpha and fmt == "PNG" else "RGB")
        transparency = None
    clean = image.copy()
    clean.info = {}  # the encoders fall back on info for comments and EXIF: start from nothing
    options: dict = {}
    if icc_profile:
        options["icc_profile"] = icc_profile  # colours, not personal data
    if dpi and all(1 <= float(v) <= 10_000 for v in dpi):
        options["dpi"] = tuple(round(float(v)) for v in dpi)  # a scan keeps its printed size
    if fmt == "JPEG":
        options["quality"] = JPEG_QUALITY
    elif transparency is not None and clean.mode in ("P", "L", "RGB"):
        options["transparency"] = transparency
    buffer = io.BytesIO()
    clean.save(buffer, format=fmt, **options)
    return buffer.getvalue()
