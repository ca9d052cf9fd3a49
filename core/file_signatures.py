"""Signatures of formats that have no business inside an uploaded scan, photo or document.

A polyglot is one file that opens as a PDF (or a picture, or a Word file) in one program and as a ZIP
archive or a program in another. The signatures are long enough that random image or compressed data
does not produce them by chance (well under once in 2^40 positions), so finding one means it was put
there.
"""

from __future__ import annotations

import re

ZIP = "ZIP 压缩包"
PDF = "PDF 文件"
EXECUTABLE = "可执行程序"
WEB = "网页或网页脚本"
_SIGNATURES = (
    (re.compile(rb"PK\x03\x04[\x0a-\x3f]\x00|PK\x05\x06\x00\x00\x00\x00"), ZIP),
    (re.compile(rb"%PDF-\d"), PDF),
    (re.compile(rb"This program cannot be run in DOS mode"), EXECUTABLE),
    (re.compile(rb"\x7fELF[\x01\x02][\x01\x02]\x01"), EXECUTABLE),
    (re.compile(rb"\xcf\xfa\xed\xfe[\x07\x0c]\x00\x00[\x01\x00]"), EXECUTABLE),  # Mach-O
    (re.compile(rb"Rar!\x1a\x07"), "RAR 压缩包"),
    (re.compile(rb"7z\xbc\xaf\x27\x1c"), "7z 压缩包"),
    # with the character after the tag name: "<svg" alone is 4 bytes, found by chance in one 20 MB
    # photo or scan in a dozen
    (re.compile(rb"<(?:script|html)[\s>]|<svg\s+xmlns", re.IGNORECASE), WEB),
)


def foreign(data: bytes, start: int = 0, allow: tuple[str, ...] = ()) -> str | None:
    """What other format is found in data[start:], in the user's words, or None."""
    for pattern, what in _SIGNATURES:
        if what not in allow and pattern.search(data, start):
            return what
    return None
