"""PDFs built byte by byte, so that each hostile variant is exactly what it claims to be.

`build` writes classic objects and a classic cross-reference table; `build_compressed` hides objects in
a compressed object stream behind a cross-reference stream (PDF 1.5), where their names never appear
in the raw bytes; `append_update` adds an incremental update, as an editor saving changes does.
"""

from __future__ import annotations

import io
import re
import zlib

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def page_tree(catalog_extra: bytes = b"", page_extra: bytes = b"") -> dict[int, bytes]:
    """Objects 1-4: a catalog, its page tree, one A4 page and its (empty) content stream."""
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R " + page_extra + b" >>",
        4: stream(b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"),
    }


def stream(data: bytes, dictionary: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), dictionary) + data + b"\nendstream"


def build(objects: dict[int, bytes], trailer_extra: bytes = b"") -> bytes:
    out = bytearray(HEADER)
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer_extra, xref)
    return bytes(out)


def _object_stream(objects: dict[int, bytes]) -> bytes:
    offsets, body = [], bytearray()
    for number, source in sorted(objects.items()):
        offsets.append(b"%d %d" % (number, len(body)))
        body += source + b"\n"
    head = b" ".join(offsets) + b"\n"
    packed = zlib.compress(head + bytes(body))
    return stream(packed, b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode" % (len(objects), len(head)))


def _xref_stream(entries: dict[int, tuple[int, int, int]], size: int, extra: bytes) -> bytes:
    rows = bytearray()
    for number in range(size):
        kind, field2, field3 = entries.get(number, (0, 0, 65535))
        rows += bytes([kind]) + field2.to_bytes(4, "big") + field3.to_bytes(2, "big")
    return stream(bytes(rows), b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R %s" % (size, extra))


def build_compressed(hidden: dict[int, bytes], plain: dict[int, bytes]) -> bytes:
    """`hidden` objects live in a FlateDecode object stream; `plain` ones (streams) stay outside."""
    objstm_number = max([*hidden, *plain]) + 1
    xref_number = objstm_number + 1
    out = bytearray(HEADER)
    entries: dict[int, tuple[int, int, int]] = {}
    for number in sorted(plain):
        entries[number] = (1, len(out), 0)
        out += b"%d 0 obj\n" % number + plain[number] + b"\nendobj\n"
    entries[objstm_number] = (1, len(out), 0)
    out += b"%d 0 obj\n" % objstm_number + _object_stream(hidden) + b"\nendobj\n"
    for index, number in enumerate(sorted(hidden)):
        entries[number] = (2, objstm_number, index)
    entries[xref_number] = (1, len(out), 0)
    out += b"%d 0 obj\n" % xref_number + _xref_stream(entries, xref_number + 1, b"") + b"\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % entries[xref_number][1]
    return bytes(out)


def _last_xref(data: bytes) -> int:
    return int(re.findall(rb"startxref\s+(\d+)", data)[-1])


def _size(data: bytes) -> int:
    return max(int(n) for n in re.findall(rb"/Size (\d+)", data))


def append_update(data: bytes, objects: dict[int, bytes]) -> bytes:
    """An incremental update (classic xref section) that adds or replaces `objects`."""
    out = bytearray(data)
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n"
    for number in sorted(offsets):
        out += b"%d 1\n%010d 00000 n \n" % (number, offsets[number])
    size = max(_size(data), max(objects) + 1)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (size, _last_xref(data), xref)
    return bytes(out)


def append_compressed_update(data: bytes, hidden: dict[int, bytes]) -> bytes:
    """An incremental update whose new objects hide in an object stream behind an xref stream."""
    out = bytearray(data)
    size = max(_size(data), max(hidden) + 1)
    objstm_number, xref_number = size, size + 1
    entries = {objstm_number: (1, len(out), 0)}
    out += b"%d 0 obj\n" % objstm_number + _object_stream(hidden) + b"\nendobj\n"
    for index, number in enumerate(sorted(hidden)):
        entries[number] = (2, objstm_number, index)
    entries[xref_number] = (1, len(out), 0)
    # only the entries of this update: a /Index array says which object numbers the rows are for
    numbers = sorted(entries)
    rows = bytearray()
    for number in numbers:
        kind, field2, field3 = entries[number]
        rows += bytes([kind]) + field2.to_bytes(4, "big") + field3.to_bytes(2, "big")
    index = b" ".join(b"%d 1" % n for n in numbers)
    body = stream(bytes(rows), b"/Type /XRef /Size %d /W [1 4 2] /Index [%s] /Root 1 0 R /Prev %d"
                  % (xref_number + 1, index, _last_xref(data)))
    out += b"%d 0 obj\n" % xref_number + body + b"\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % entries[xref_number][1]
    return bytes(out)


def pypdf_pdf(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pypdf_pdf_with_link(uri: str) -> bytes:
    from pypdf import PdfWriter
    from pypdf.annotations import Link

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    link = Link(rect=(50, 50, 200, 80), url=uri)
    writer.add_annotation(page_number=0, annotation=link)
    writer.add_metadata({"/Title": "链接"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def encrypted_pdf(user_password: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def reportlab_pdf(with_link: bool = True) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.drawString(72, 760, "Cleaner production audit notice")
    if with_link:
        page.linkURL("https://www.mee.gov.cn/", (72, 740, 300, 760))
    page.showPage()
    page.save()
    return buffer.getvalue()
