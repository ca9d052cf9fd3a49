"""Upload checks: content decides, hostile files are refused with a clear message."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image
from pypdf import PdfWriter

from core import files
from core.errors import ValidationError


@pytest.fixture(autouse=True)
def _upload_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("QJSC_UPLOAD_DIR", str(tmp_path / "uploads"))


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "maker", "kind"), [
    ("盖章告知书.pdf", pdf_bytes, "pdf"),
    ("scan.JPG", lambda: image_bytes("JPEG"), "jpg"),
    ("scan.jpeg", lambda: image_bytes("JPEG"), "jpg"),
    ("scan.png", lambda: image_bytes("PNG"), "png"),
])
def test_good_uploads_are_stored_by_digest(name, maker, kind):
    data = maker()
    stored = files.store(name, data)
    assert stored.kind == kind and stored.original_name == name
    kept = stored.path.read_bytes()
    assert stored.sha256 == hashlib.sha256(kept).hexdigest() and stored.size == len(kept)
    assert stored.path.name == f"{stored.sha256}.{kind}"
    assert files.read(stored) == kept
    if kind == "pdf":
        assert kept == data  # a document is kept as signed
    else:  # an image is kept as the decoder wrote it again, with the same pixels
        with Image.open(io.BytesIO(kept)) as image, Image.open(io.BytesIO(data)) as original:
            assert image.size == original.size and image.getpixel((4, 4))[:3] == original.getpixel((4, 4))[:3]
    assert files.store(name, data) == stored  # the same content is kept once
    assert len(list(files.upload_dir().rglob(f"*.{kind}"))) == 1


@pytest.mark.parametrize(("name", "data", "fragment"), [
    ("告知书.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "不是允许的格式"),  # an executable renamed .pdf
    ("告知书.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "不是允许的格式"),
    ("告知书.pdf", None, "不完整或已损坏"),  # truncated PDF, filled in below
    ("scan.png", None, "不完整或已损坏"),  # truncated PNG
    ("../../etc/passwd.pdf", b"%PDF-1.4", "路径分隔符"),
    ("a\\b.pdf", b"%PDF-1.4", "路径分隔符"),
    ("bad\x00name.pdf", b"%PDF-1.4", "控制字符"),
    ("", b"%PDF-1.4", "文件名不能为空"),
    ("empty.pdf", b"", "文件是空的"),
    ("image.pdf", None, "扩展名与内容不符"),  # a PNG named .pdf
])
def test_hostile_uploads_are_refused(name, data, fragment):
    if data is None:
        data = {"告知书.pdf": pdf_bytes()[:-300], "scan.png": image_bytes("PNG")[:-20],
                "image.pdf": image_bytes("PNG")}[name]
    with pytest.raises(ValidationError, match=fragment):
        files.store(name, data)
    assert not (files.upload_dir()).exists() or not any(files.upload_dir().rglob("*.*"))


def test_oversized_upload_is_refused_with_its_size():
    data = pdf_bytes()
    with pytest.raises(ValidationError, match="文件过大"):
        files.check_upload("big.pdf", data + b"\x00" * (files.MAX_BYTES + 1))
    with pytest.raises(ValidationError, match="最大 1 MB"):
        files.check_upload("big.pdf", b"%PDF-" + b"0" * (2 * 1024 * 1024), max_bytes=1024 * 1024)


def test_a_tampered_stored_file_is_detected():
    stored = files.store("a.png", image_bytes("PNG"))
    stored.path.write_bytes(image_bytes("PNG") + b"extra")
    with pytest.raises(ValidationError, match="篡改"):
        files.read(stored)
