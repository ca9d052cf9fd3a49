"""Ordinary files the checks must let through: what real programs write, including the rough edges
(links in PDFs, EXIF orientation, CMYK scans, data descriptors in ZIPs, formulas in workbooks)."""

from __future__ import annotations

import io
import random
import zipfile

from tests.security import make_images as img
from tests.security import make_office as office
from tests.security import make_pdf as pdf
from tests.security.hostile_files import Case, settings_rels


def _letter() -> bytes:
    from core.letters import render_letter
    from tests.unit.test_letters import SAMPLE

    return render_letter(SAMPLE)


def _zipfile_docx(streamed: bool = False) -> bytes:
    """A .docx written by Python's zipfile; `streamed` writes to a pipe-like file (data descriptors)."""
    class Unseekable(io.RawIOBase):
        def __init__(self):
            self.buffer = bytearray()

        def writable(self):
            return True

        def write(self, data):
            self.buffer += data
            return len(data)

    target = Unseekable() if streamed else io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in office.docx_members(
                body='<w:p><w:hyperlink r:id="rId5"><w:r><w:t>生态环境部</w:t></w:r></w:hyperlink></w:p>'
                     + '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText>'
                     + '</w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>',
                document_rels=office.rels(("rId5", "hyperlink", "https://www.mee.gov.cn/", "External"),
                                          ("rId6", "image", "media/image1.png", None))):
            archive.writestr(member.name, member.data)
        archive.writestr("word/media/image1.png", img.png((64, 64)))
    return bytes(target.buffer) if streamed else target.getvalue()


def _noise(size: int) -> bytes:
    return random.Random(2026).randbytes(size)  # fixed: the same bytes on every run


def _pdf_with_binary_streams() -> bytes:
    """A scan as scanners write it: 6 MB of image data (random here, the worst case for a byte scan)
    in a DCT-labelled stream, and some in an ASCII85-labelled one (printable, full of "/" and "<")."""
    tree = pdf.page_tree(page_extra=b"/Resources << /XObject << /Im1 5 0 R /Im2 6 0 R >> >>")
    ascii85 = bytes(33 + b % 85 for b in _noise(200_000))
    return pdf.build({**tree, 5: pdf.stream(_noise(6 << 20), b"/Type /XObject /Subtype /Image /Filter /DCTDecode"),
                      6: pdf.stream(ascii85 + b"~>", b"/Type /XObject /Subtype /Image /Filter /ASCII85Decode")})


def _noise_photo() -> bytes:
    from PIL import Image

    image = Image.frombytes("RGB", (1600, 1200), _noise(1600 * 1200 * 3))  # incompressible: a ~5 MB JPEG
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def _openpyxl_workbook() -> bytes:
    return office.openpyxl_xlsx([["企业名称", "数量", "合计"], ["保定某某食品有限公司", 3, "=SUM(B2:B3)"],
                                 ["A|B 公司", 4, '=IF(B3>1,"a|b","c")']], hyperlink="https://www.hebei.gov.cn/")


GOOD_UPLOADS = [
    Case("reportlab-pdf-with-link", "告知书.pdf", pdf.reportlab_pdf, ""),
    Case("reportlab-letter", "告知书.pdf", _letter, ""),
    Case("pypdf-pdf", "盖章扫描件.pdf", lambda: pdf.pypdf_pdf(3), ""),
    Case("pypdf-pdf-with-link", "盖章扫描件.pdf", lambda: pdf.pypdf_pdf_with_link("https://www.mee.gov.cn/"), ""),
    Case("pdf-with-object-streams", "扫描件.pdf",
         lambda: pdf.build_compressed({n: pdf.page_tree()[n] for n in (1, 2, 3)}, {4: pdf.page_tree()[4]}), ""),
    Case("pdf-incremental-update", "扫描件.pdf",
         lambda: pdf.append_update(pdf.build(pdf.page_tree()),
                                   {5: b"<< /Type /Annot /Subtype /Text /Rect [0 0 9 9] /Contents (ok) >>"}), ""),
    Case("pdf-mailto-link", "扫描件.pdf", lambda: pdf.pypdf_pdf_with_link("mailto:qjsc@hebei.gov.cn"), ""),
    Case("pdf-6-mb-of-binary-image-data", "扫描件.pdf", _pdf_with_binary_streams, ""),
    Case("jpeg-photo-exif-orientation-gps", "现场照片.jpg", lambda: img.jpeg((64, 32), orientation=6, gps=True), ""),
    Case("jpeg-grayscale-scan", "扫描.jpeg", lambda: img.jpeg((40, 60), mode="L", dpi=(300, 300)), ""),
    Case("jpeg-cmyk-scan", "扫描.jpg", lambda: img.jpeg((40, 60), mode="CMYK"), ""),
    Case("jpeg-progressive", "照片.jpg", lambda: img.jpeg((200, 100), progressive=True), ""),
    Case("jpeg-with-trailer", "照片.jpg", lambda: img.jpeg() + b"\x00\x01motion-photo-trailer" * 20, ""),
    Case("png-rgba", "截图.png", lambda: img.png((30, 20), "RGBA"), ""),
    Case("png-palette-transparent", "截图.png", lambda: img.png((30, 20), "P", transparency=3), ""),
    Case("png-16-bit-gray", "扫描.png", lambda: img.png((30, 20), "I;16"), ""),
    Case("png-1-bit", "扫描.png", lambda: img.png((30, 20), "1"), ""),
    Case("png-gray-alpha", "截图.png", lambda: img.png((30, 20), "LA"), ""),
    Case("png-exif-gps-and-text", "截图.png", img.exif_gps_png, ""),
    Case("jpeg-noise-photo-5-mb", "现场照片.jpg", _noise_photo, ""),
    Case("jpeg-8-megapixel-photo", "现场照片.jpg", lambda: img.jpeg((3264, 2448), quality=60), ""),
    Case("docx-written-by-zipfile", "通知.docx", _zipfile_docx, ""),
    Case("docx-streamed-with-descriptors", "通知.docx", lambda: _zipfile_docx(streamed=True), ""),
    Case("docx-written-by-hand", "通知.docx", office.docx, ""),
    Case("docx-made-from-a-local-template", "通知.docx",
         lambda: settings_rels(("rId1", "attachedTemplate", "file:///C:/Users/hb/Templates/红头文件.dotx", "External")), ""),
    Case("xlsx-written-by-openpyxl", "要求.xlsx", _openpyxl_workbook, ""),
]
