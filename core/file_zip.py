"""ZIP containers (.docx, .xlsx) opened without trusting what they say about themselves.

Sizes, ratios and the member count come from the central directory and are checked before anything
is decompressed; then every member is decompressed in chunks with a hard cap, because a local header
can claim a small size for a member that expands to gigabytes. The layout must be the plain one every
Office program writes: members back to back from the first byte, the directory right after them and
nothing after its end record, so no other file can hide in a gap, before or after the archive.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from core.errors import ValidationError

CHUNK = 64 * 1024
_EOCD = b"PK\x05\x06"
_DESCRIPTOR_SLACK = 24  # a data descriptor after a member's data: 12, 16 or (ZIP64) 24 bytes
_MAX_COMMENT = 256  # Office writes none; a long comment is room for a hidden file


@dataclass(frozen=True)
class ZipLimits:
    max_members: int = 2_000  # a Word file has 10-50 parts, a workbook with many sheets a few hundred
    max_unpacked: int = 128 * 1024 * 1024  # a 20 MB upload of text and pictures unpacks to far less
    max_ratio: int = 200  # Office XML compresses 5-50 times; deflate bombs reach 1,000
    ratio_floor: int = 1024 * 1024  # smaller members may compress as well as they like


UPLOAD_LIMITS = ZipLimits()

# Member -> inspector: called with the member's name, returns a feed(chunk, final) or None.
Inspector = Callable[[str], Callable[[bytes, bool], None] | None]


def refuse(label: str, reason: str) -> ValidationError:
    return ValidationError(f"{label}{reason}，出于安全原因不予接收", field="file")


def damaged(label: str) -> ValidationError:
    return ValidationError(f"无法读取该{label}：文件不完整或已损坏，请重新保存后上传", field="file")


def check_container(data: bytes, label: str, limits: ZipLimits = UPLOAD_LIMITS,
                    inspect: Inspector | None = None) -> list[str]:
    """The member names of a sound archive within `limits`; each member is streamed to `inspect`."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, struct.error) as exc:
        raise damaged(label) from exc
    with archive:
        infos = archive.infolist()
        _check_directory(infos, label, limits)
        _check_layout(data, infos, archive.start_dir, label)
        total = 0
        for info in infos:
            feed = inspect(info.filename) if inspect else None
            total += _stream(archive, info, label, limits.max_unpacked - total, feed)
        return [i.filename for i in infos]


def _check_directory(infos: list[zipfile.ZipInfo], label: str, limits: ZipLimits) -> None:
    if len(infos) > limits.max_members:
        raise refuse(label, f"包含的文件过多（{len(infos)} 个，最多 {limits.max_members} 个）")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise refuse(label, "中有重名的部件（不同程序会读到不同的内容）")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_unpacked:
        raise refuse(label, f"解压后过大（{declared / 1048576:.0f} MB，最多 {limits.max_unpacked // 1048576} MB），"
                            "疑似压缩炸弹")
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or "\\" in name or "\x00" in name or ".." in name.split("/"):
            raise refuse(label, "中有路径不安全的部件")
        if info.flag_bits & 0x1:
            raise ValidationError(f"{label}已加密，无法检查其内容，请取消加密后重新上传", field="file")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise damaged(label)
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise refuse(label, f"中的部件压缩比异常（{ratio}:1），疑似压缩炸弹")


def _check_layout(data: bytes, infos: list[zipfile.ZipInfo], start_dir: int, label: str) -> None:
    """Members back to back from byte 0, then the directory, then its end record, then nothing."""
    expected, slack = 0, 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        if not expected <= info.header_offset <= expected + slack:
            raise refuse(label, "的压缩结构中夹带了额外的数据")
        header = data[info.header_offset:info.header_offset + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise damaged(label)
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        expected = info.header_offset + 30 + name_length + extra_length + info.compress_size
        slack = _DESCRIPTOR_SLACK if info.flag_bits & 0x08 else 0
    if not expected <= start_dir <= expected + slack:
        raise refuse(label, "的压缩结构中夹带了额外的数据")
    end = data.rfind(_EOCD, max(0, len(data) - 22 - 65535))
    if end < 0 or len(data) < end + 22:
        raise damaged(label)
    directory_size, directory_offset, comment_length = struct.unpack("<IIH", data[end + 12:end + 22])
    if directory_offset == 0xFFFFFFFF or directory_offset + directory_size != end:
        raise refuse(label, "的压缩结构中夹带了额外的数据")
    if comment_length > _MAX_COMMENT or end + 22 + comment_length != len(data):
        raise refuse(label, "的末尾附加了其他数据")


def _stream(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, budget: int,
            feed: Callable[[bytes, bool], None] | None) -> int:
    """Decompress one member in chunks, never past its declared size or the archive's budget."""
    cap = min(info.file_size, budget)
    size = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                size += len(chunk)
                if size > cap:
                    raise refuse(label, "中的部件解压后超过声明的大小，疑似压缩炸弹")
                if feed is not None:
                    feed(chunk, False)
        if feed is not None:
            feed(b"", True)
    except ValidationError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
            RuntimeError) as exc:
        # zipfile stops at the declared size and then finds the CRC wrong: a lying header lands here
        raise ValidationError(f"{label}中的部件与其声明的大小或校验值不符（文件已损坏或疑似压缩炸弹），"
                              "不予接收", field="file") from exc
    return size

