"""Upload checks and storage: a file is judged by its content, never by its name.

Stored content-addressed under the upload folder by sha256, so a file is written once and its
digest is the evidence that it has not changed since it was uploaded.
"""

from __future__ import annotations

import hashlib
import io
import os
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from core.config import DATA_DIR
from core.errors import ValidationError

MAX_BYTES = 20 * 1024 * 1024  # also Streamlit's server.maxUploadSize (MB) in .streamlit/config.toml
SCAN_KINDS = ("pdf", "jpg", "png")  # stamped scans and evidence (seed 000: PDF 或 jpg、png)
# Notices and requirements also travel as Word and Excel files.
DOCUMENT_KINDS = (*SCAN_KINDS, "docx", "xlsx")
KIND_LABELS = {"pdf": "PDF", "jpg": "JPG", "png": "PNG", "docx": "Word（.docx）", "xlsx": "Excel（.xlsx）"}
EXTENSIONS = {"pdf": {".pdf"}, "jpg": {".jpg", ".jpeg"}, "png": {".png"}, "docx": {".docx"},
              "xlsx": {".xlsx"}}
MIME_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png",
              "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# The part that tells one Office Open XML package from another (all are ZIP files).
_OOXML_MARKERS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


def upload_dir() -> Path:
    return Path(os.environ.get("QJSC_UPLOAD_DIR") or DATA_DIR / "uploads")


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    kind: str
    original_name: str

    @property
    def path(self) -> Path:
        return upload_dir() / self.sha256[:2] / f"{self.sha256}.{self.kind}"


def check_filename(name: str) -> str:
    """The name as users gave it, if it is a plain file name; refuses paths and control characters."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name:
        raise ValidationError("文件名不能为空", field="file")
    if "/" in name or "\\" in name or name in (".", "..") or PurePath(name).name != name:
        raise ValidationError("文件名不能包含路径分隔符（/ 或 \\）", field="file")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise ValidationError("文件名含有不可见的控制字符", field="file")
    if len(name) > 200:
        raise ValidationError("文件名过长（最多 200 个字符）", field="file")
    return name


def sniff(data: bytes) -> str | None:
    """The kind the bytes really are (pdf, jpg, png), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"PK\x03\x04"):
        names = _zip_names(data)
        for kind, marker in _OOXML_MARKERS.items():
            if marker in names:
                return kind
    return None


def _zip_names(data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return set()


def _complete(kind: str, data: bytes) -> bool:
    """Whether the file ends as its format requires (a truncated upload does not)."""
    if kind == "png":
        return data.rstrip(b"\x00").endswith(b"IEND\xaeB`\x82")
    if kind == "jpg":
        return data.rstrip(b"\x00\r\n").endswith(b"\xff\xd9")
    if kind in _OOXML_MARKERS:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return archive.testzip() is None
        except (zipfile.BadZipFile, ValueError, OSError, RuntimeError):
            return False
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if b"%%EOF" not in data[-2048:]:
        return False
    try:
        return len(PdfReader(io.BytesIO(data), strict=False).pages) > 0
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return False


def check_upload(name: str, data: bytes, allowed: tuple[str, ...] = SCAN_KINDS,
                 max_bytes: int = MAX_BYTES) -> tuple[str, str]:
    """(clean file name, kind) of an acceptable upload; ValidationError in Chinese otherwise."""
    name = check_filename(name)
    allowed_text = "、".join(KIND_LABELS[k] for k in allowed)
    if not data:
        raise ValidationError("文件是空的", field="file")
    if len(data) > max_bytes:
        raise ValidationError(f"文件过大：{len(data) / 1048576:.1f} MB，最大 {max_bytes // 1048576} MB",
                              field="file")
    kind = sniff(data)
    if kind not in allowed:
        raise ValidationError(f"文件内容不是允许的格式（{allowed_text}），请检查后重新上传", field="file")
    if PurePath(name).suffix.lower() not in EXTENSIONS[kind]:
        raise ValidationError(f"文件扩展名与内容不符：内容是 {KIND_LABELS[kind]}", field="file")
    if not _complete(kind, data):
        raise ValidationError(f"{KIND_LABELS[kind]} 文件不完整或已损坏，请重新导出后上传", field="file")
    return name, kind


def store(name: str, data: bytes, allowed: tuple[str, ...] = SCAN_KINDS) -> StoredFile:
    """Check and keep an upload; storing the same content twice writes it once."""
    name, kind = check_upload(name, data, allowed)
    stored = StoredFile(sha256=hashlib.sha256(data).hexdigest(), size=len(data), kind=kind,
                        original_name=name)
    path = stored.path
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(data)
        temporary.replace(path)  # atomic: a reader never sees half a file
    return stored


def read(stored: StoredFile) -> bytes:
    """The stored bytes, verified against their digest."""
    data = stored.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        raise ValidationError("存储的文件与登记的校验值不符，文件可能被篡改", field="file")
    return data
