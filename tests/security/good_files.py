"""Ordinary files the checks must let through: what real programs write, including the rough edges
(links in PDFs, EXIF orientation, CMYK scans, data descriptors in ZIPs, formulas in workbooks)."""

from __future__ import annotations

import io
import zipfile

from tests.security import make_images as img
from tests.security import make_office as office
from tests.security import make_pdf as pdf
from tests.security.hostile_files import Case


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
    Case("jpeg-8-megapixel-photo", "现场照片.jpg", lambda: img.jpeg((3264, 2448), quality=60), ""),
    Case("docx-written-by-zipfile", "通知.docx", _zipfile_docx, ""),
    Case("docx-streamed-with-descriptors", "通知.docx", lambda: _zipfile_docx(streamed=True), ""),
    Case("docx-written-by-hand", "通知.docx", office.docx, ""),
    Case("xlsx-written-by-openpyxl", "要求.xlsx", _openpyxl_workbook, ""),
]
