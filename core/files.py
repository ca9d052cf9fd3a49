"""Upload checks and storage: a file is judged by its content, never by its name.

Stored content-addressed under the upload folder by sha256, so a file is written once and its
digest is the evidence that it has not changed since it was uploaded.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import secrets
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath

from core import file_images, file_office, file_pdf, file_signatures
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


# Besides letters (CJK included) and digits: the punctuation people put in document names.
NAME_PUNCTUATION = frozenset("._-()（）[]【】〔〕《》、， ")
MAX_NAME_CHARS = 200  # Attachment.original_name


def check_filename(name: str) -> str:
    """The name to keep for an upload: a plain file name in a safe character set, extension kept.

    Paths and control characters are refused (the user should know); anything else outside letters,
    digits and NAME_PUNCTUATION becomes "_", so a stored name never carries markup or shell syntax.
    """
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name:
        raise ValidationError("文件名不能为空", field="file")
    if "/" in name or "\\" in name or name in (".", "..") or PurePath(name).name != name:
        raise ValidationError("文件名不能包含路径分隔符（/ 或 \\）", field="file")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise ValidationError("文件名含有不可见的控制字符", field="file")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = "".join(_safe_char(c) for c in stem).lstrip(". -") or "未命名"
    extension = "".join(c for c in extension if c.isascii() and c.isalnum())[:10]
    suffix = f".{extension}" if extension else ""
    return stem[:MAX_NAME_CHARS - len(suffix)].rstrip(" ") + suffix


def _safe_char(c: str) -> str:
    if c in NAME_PUNCTUATION or unicodedata.category(c) in ("Lu", "Ll", "Lt", "Lm", "Lo", "Nd"):
        return c
    return " " if unicodedata.category(c) == "Zs" else "_"


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


def _check_content(kind: str, data: bytes) -> bytes:
    """The content to keep: images decoded and re-encoded, documents as they are once found clean."""
    if kind in ("jpg", "png"):
        end_marker = b"IEND\xaeB`\x82" if kind == "png" else b"\xff\xd9"
        if end_marker not in data:
            raise ValidationError(f"{KIND_LABELS[kind]} 文件不完整或已损坏，请重新导出后上传", field="file")
        if what := file_signatures.foreign(data):  # re-encoding would drop it; carrying it is reason enough
            raise ValidationError(f"图片中夹带了其他格式的数据（{what}），出于安全原因不予接收", field="file")
        return file_images.reencode(kind, data)
    if kind == "pdf":
        file_pdf.check_pdf(data)
    else:
        file_office.check_office(kind, data)
    return data


@dataclass(frozen=True)
class Upload:
    name: str  # the safe name to keep (check_filename)
    kind: str
    content: bytes  # what is stored: a document as uploaded, an image re-encoded


def accept(name: str, data: bytes, allowed: tuple[str, ...] = SCAN_KINDS, max_bytes: int = MAX_BYTES) -> Upload:
    """An acceptable upload and the content to store; ValidationError in Chinese otherwise."""
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
    return Upload(name=name, kind=kind, content=_check_content(kind, data))


def check_upload(name: str, data: bytes, allowed: tuple[str, ...] = SCAN_KINDS,
                 max_bytes: int = MAX_BYTES) -> tuple[str, str]:
    """(safe file name, kind) of an acceptable upload; ValidationError in Chinese otherwise."""
    upload = accept(name, data, allowed, max_bytes)
    return upload.name, upload.kind


def store(name: str, data: bytes, allowed: tuple[str, ...] = SCAN_KINDS) -> StoredFile:
    """Check and keep an upload; storing the same content twice writes it once."""
    return keep(accept(name, data, allowed))


def keep(upload: Upload) -> StoredFile:
    """Write an accepted upload's content under its digest (before the surrounding transaction
    commits: core.attachments removes it again if that transaction rolls back, see discard)."""
    stored = StoredFile(sha256=hashlib.sha256(upload.content).hexdigest(), size=len(upload.content),
                        kind=upload.kind, original_name=upload.name)
    if not stored.path.exists():
        _write(stored.path, upload.content)
    return stored


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # a temporary name of its own: two uploads of the same content may be written at the same time
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.part")
    temporary.write_bytes(content)
    temporary.replace(path)  # atomic: a reader never sees half a file


@contextmanager
def _files_lock() -> Iterator[None]:
    """Serialises removing an unreferenced file with re-checking a committed one (across processes)."""
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def discard(stored: StoredFile, referenced: Callable[[str], bool]) -> bool:
    """Remove a file written for a transaction that rolled back, unless a committed row refers to it.

    `referenced(sha256)` must read committed rows (a fresh connection). Taken under the lock that
    restore takes after a commit: a transaction that committed a reference meanwhile either is seen
    by `referenced` or writes the file back once the lock is released.
    """
    with _files_lock():
        if referenced(stored.sha256):
            return False
        stored.path.unlink(missing_ok=True)
        return True


def restore(stored: StoredFile, content: bytes) -> None:
    """After a commit: the file a committed row refers to is on disk (a rollback elsewhere may have
    removed it between this transaction's write and its commit)."""
    with _files_lock():
        if not stored.path.exists():
            _write(stored.path, content)


def read(stored: StoredFile) -> bytes:
    """The stored bytes, verified against their digest."""
    data = stored.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        raise ValidationError("存储的文件与登记的校验值不符，文件可能被篡改", field="file")
    return data
