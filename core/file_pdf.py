"""PDF uploads: stamped scans and exported documents, never programs.

A PDF can carry scripts, actions that run when it opens, launch commands, embedded files, forms that
send data away, and other formats hidden inside it. Uploads are read by officials on their own
computers, so a PDF with any of these is refused, not cleaned: what is stored is what was signed.

The objects are walked with pypdf (which decodes #-escaped names and reads compressed object streams
and incremental updates as a viewer does), and the raw bytes outside stream data are scanned too, for
what a damaged cross-reference table may hide from pypdf but not from a viewer's repair.
"""

from __future__ import annotations

import io
import re
import zipfile

from core import file_signatures
from core.errors import ValidationError

_SCRIPTS = "脚本或自动执行动作"
_ACTIONS = "启动程序、打开外部文件或提交数据的动作"
_EMBEDDED = "嵌入的文件"
_MEDIA = "多媒体或动态表单（XFA）内容"
# Name (without "/") -> what it is, in the user's words. They are refused as keys and as values
# (/S /JavaScript, /Type /EmbeddedFile, /Subtype /RichMedia).
FORBIDDEN = {
    "JavaScript": _SCRIPTS, "JS": _SCRIPTS, "OpenAction": _SCRIPTS, "AA": _SCRIPTS,
    "Launch": _ACTIONS, "GoToR": _ACTIONS, "GoToE": _ACTIONS, "SubmitForm": _ACTIONS, "ImportData": _ACTIONS,
    "EmbeddedFile": _EMBEDDED, "EmbeddedFiles": _EMBEDDED, "EF": _EMBEDDED, "FileAttachment": _EMBEDDED,
    "RichMedia": _MEDIA, "XFA": _MEDIA, "Rendition": _MEDIA, "Movie": _MEDIA, "Sound": _MEDIA,
}
# A link a reader clicks (/URI) stays allowed: exported documents are full of them (our own letters
# carry one) and a viewer asks before following it; only these schemes, and never on opening
# (/OpenAction and /AA are refused whatever they do).
LINK_SCHEMES = ("http", "https", "mailto")
MAX_OBJECTS = 200_000  # a 20 MB file holds far fewer; more is a file built to make the check slow
_TRAILING_OK = b" \t\r\n\x0c\x00"
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"[\s>]stream(?:\r\n|\n|\r)")  # a lone CR is wrong but written by some producers
_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.\-]*):")


def refuse(reason: str) -> ValidationError:
    return ValidationError(f"PDF 文件{reason}，出于安全原因不予接收", field="file")


def check_pdf(data: bytes) -> None:
    """Refuse a PDF that is damaged, encrypted, carries active content or hides another format."""
    _check_envelope(data)
    _scan_names(_outside_streams(data))
    reader = _open(data)
    if reader.is_encrypted:
        raise ValidationError("PDF 文件已加密或设置了打开密码，无法检查其内容，请取消加密后重新上传", field="file")
    _walk(reader)
    try:
        pages = len(reader.pages)
    except Exception:  # noqa: BLE001 - pypdf fails on a damaged page tree in many ways
        pages = 0
    if pages == 0:
        raise ValidationError("PDF 文件不完整或已损坏，请重新导出后上传", field="file")


def _check_envelope(data: bytes) -> None:
    end = data.rfind(b"%%EOF")
    if end < 0:
        raise ValidationError("PDF 文件不完整或已损坏（缺少结束标记），请重新导出后上传", field="file")
    if data[end + 5:].strip(_TRAILING_OK):
        raise refuse("结束标记（%%EOF）之后还附加了其他数据")
    if what := file_signatures.foreign(data, start=1):  # the PDF's own header is at 0
        raise refuse(f"中夹带了其他格式的数据（{what}）")
    try:
        is_zip = zipfile.is_zipfile(io.BytesIO(data))
    except (OSError, ValueError):
        is_zip = False
    if is_zip:
        raise refuse("同时也是一个 ZIP 压缩包")


def _outside_streams(data: bytes) -> bytes:
    """The file without its stream data, where random bytes would look like names."""
    parts, position = [], 0
    while match := _STREAM.search(data, position):
        parts.append(data[position:match.end()])
        end = data.find(b"endstream", match.end())
        if end < 0:
            return b"".join(parts)
        position = end
    parts.append(data[position:])
    return b"".join(parts)


def _normal(name: bytes) -> str:
    return _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name).decode("latin-1")


def _scan_names(text: bytes) -> None:
    for match in _NAME.finditer(text):
        name = _normal(match.group(1))
        if name in FORBIDDEN:
            raise refuse(f"包含{FORBIDDEN[name]}（/{name}）")


def _open(data: bytes):
    from pypdf import PdfReader

    try:
        return PdfReader(io.BytesIO(data), strict=False)
    except Exception as exc:  # noqa: BLE001 - a parser meets hostile input in many ways
        raise ValidationError("PDF 文件不完整或已损坏，请重新导出后上传", field="file") from exc


def _walk(reader) -> None:
    """Every object the file defines, including those inside object streams and later updates."""
    from pypdf.generic import IndirectObject

    numbers = {(n, g) for g, table in reader.xref.items() for n in table}
    numbers |= {(n, 0) for n in reader.xref_objStm}
    if len(numbers) > MAX_OBJECTS:
        raise refuse(f"包含的对象过多（{len(numbers)} 个）")
    _check_value(reader.trailer)
    for number, generation in sorted(numbers):
        try:
            obj = reader.get_object(IndirectObject(number, generation, reader))
        except Exception:  # noqa: BLE001 - an unreadable object is no object to a viewer either
            continue
        _check_value(obj)
        if _is_object_stream(obj):
            try:
                _scan_names(obj.get_data())
            except ValidationError:
                raise
            except Exception:  # noqa: BLE001 - undecodable: its objects were read above or are unreadable
                pass


def _is_object_stream(obj) -> bool:
    from pypdf.generic import StreamObject

    return isinstance(obj, StreamObject) and obj.get("/Type") == "/ObjStm"


def _check_value(root) -> None:
    """Names used as keys or values in an object and its direct children; links' addresses."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    stack, seen = [root], 0
    while stack:
        value = stack.pop()
        seen += 1
        if seen > MAX_OBJECTS:
            raise refuse("的结构过于复杂")
        if isinstance(value, DictionaryObject):
            for key, item in value.items():
                name = str(key).lstrip("/")
                if name in FORBIDDEN:
                    raise refuse(f"包含{FORBIDDEN[name]}（/{name}）")
                if name == "URI":
                    _check_link(item)
                stack.append(item)
        elif isinstance(value, ArrayObject):
            stack.extend(value)
        elif isinstance(value, NameObject) and str(value).lstrip("/") in FORBIDDEN:
            name = str(value).lstrip("/")
            raise refuse(f"包含{FORBIDDEN[name]}（/{name}）")


def _check_link(value) -> None:
    from pypdf.generic import IndirectObject

    if isinstance(value, IndirectObject):
        try:
            value = value.get_object()
        except Exception:  # noqa: BLE001
            return
    if not isinstance(value, str | bytes):
        return  # the catalog's /URI << /Base ... >> is a dictionary, walked like any other
    address = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    match = _SCHEME.match(address)
    if match is None:
        if address.strip().startswith(("\\\\", "//")):
            raise refuse("中的链接指向网络共享路径")
        return
    if match.group(1).lower() not in LINK_SCHEMES:
        raise refuse(f"中的链接使用了不安全的协议（{match.group(1)}:）")
