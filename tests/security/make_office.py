"""Word and Excel files built part by part, and a ZIP writer that can lie as hostile files do.

`package` writes a well-formed archive; its options write what an attacker would: sizes in the
headers that are not the real ones, bytes hidden between the members or after the end record.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
DOC_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
BOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


@dataclass
class Member:
    name: str
    data: bytes
    deflate: bool = True
    declared_size: int | None = None  # what the headers say the member unpacks to
    flags: int = 0
    raw: bytes | None = None  # already compressed data (a bomb too large to compress in a test)
    crc: int | None = None


def package(members: list[Member], gap_after: dict[int, bytes] | None = None, comment: bytes = b"",
            trailing: bytes = b"") -> bytes:
    """A ZIP archive; `gap_after[i]` is written after member i's data, `trailing` after the end record."""
    out, directory = bytearray(), bytearray()
    for index, m in enumerate(members):
        if m.raw is not None:
            packed, method = m.raw, 8
        elif m.deflate:
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            packed, method = packer.compress(m.data) + packer.flush(), 8
        else:
            packed, method = m.data, 0
        crc = m.crc if m.crc is not None else zlib.crc32(m.data)
        size = m.declared_size if m.declared_size is not None else len(m.data)
        name = m.name.encode()
        offset = len(out)
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, m.flags, method, 0, 0x21, crc, len(packed), size,
                           len(name), 0) + name + packed
        out += (gap_after or {}).get(index, b"")
        directory += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, m.flags, method, 0, 0x21, crc,
                                 len(packed), size, len(name), 0, 0, 0, 0, 0, offset) + name
    start = len(out)
    out += directory
    out += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), start,
                       len(comment)) + comment
    return bytes(out) + trailing


def zeros_bomb(size: int) -> tuple[bytes, int]:
    """(raw deflate data, crc32) of `size` zero bytes, made in well under a second: after a full flush,
    every further megabyte of zeros compresses to the same bytes, so one block is repeated."""
    chunk = b"\x00" * (1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    repeated = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    tail = packer.flush()
    crc = 0
    for _ in range(size >> 20):
        crc = zlib.crc32(chunk, crc)
    return first + repeated * ((size >> 20) - 1) + tail, crc


def content_types(overrides: dict[str, str], defaults: dict[str, str] | None = None) -> bytes:
    defaults = {"rels": "application/vnd.openxmlformats-package.relationships+xml", "xml": "application/xml",
                **(defaults or {})}
    parts = [f'<Default Extension="{e}" ContentType="{t}"/>' for e, t in defaults.items()]
    parts += [f'<Override PartName="/{n}" ContentType="{t}"/>' for n, t in overrides.items()]
    return f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{TYPES}">{"".join(parts)}</Types>'.encode()


def rels(*relations: tuple[str, str, str, str | None]) -> bytes:
    """(id, type suffix, target, target mode) -> a .rels part."""
    items = []
    for rid, kind, target, mode in relations:
        mode_attr = f' TargetMode="{mode}"' if mode else ""
        items.append(f'<Relationship Id="{rid}" Type="{R}/{kind}" Target="{target}"{mode_attr}/>')
    return f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{REL}">{"".join(items)}</Relationships>'.encode()


def document_xml(body: str = "<w:p><w:r><w:t>清洁生产审核通知</w:t></w:r></w:p>") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>{body}</w:body></w:document>').encode()


def docx_members(body: str | None = None, document_rels: bytes | None = None, doc_type: str = DOC_TYPE,
                 extra: list[Member] | None = None, extra_types: dict[str, str] | None = None,
                 defaults: dict[str, str] | None = None) -> list[Member]:
    members = [
        Member("[Content_Types].xml", content_types({"word/document.xml": doc_type, **(extra_types or {})}, defaults)),
        Member("_rels/.rels", rels(("rId1", "officeDocument", "word/document.xml", None))),
        Member("word/document.xml", document_xml(body) if body is not None else document_xml()),
    ]
    if document_rels is not None:
        members.append(Member("word/_rels/document.xml.rels", document_rels))
    return members + list(extra or [])


def docx(**options) -> bytes:
    return package(docx_members(**options))


def sheet_xml(rows: str = '<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row>') -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns='
            f'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>'
            ).encode()


def xlsx_members(sheet: bytes | None = None, book_type: str = BOOK_TYPE, extra: list[Member] | None = None,
                 extra_types: dict[str, str] | None = None, book_rels_extra: tuple = ()) -> list[Member]:
    book = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml'
            f'/2006/main" xmlns:r="{R}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
    return [
        Member("[Content_Types].xml", content_types({"xl/workbook.xml": book_type,
                                                     "xl/worksheets/sheet1.xml": SHEET_TYPE, **(extra_types or {})})),
        Member("_rels/.rels", rels(("rId1", "officeDocument", "xl/workbook.xml", None))),
        Member("xl/workbook.xml", book.encode()),
        Member("xl/_rels/workbook.xml.rels", rels(("rId1", "worksheet", "worksheets/sheet1.xml", None),
                                                  *book_rels_extra)),
        Member("xl/worksheets/sheet1.xml", sheet if sheet is not None else sheet_xml()),
        *(extra or []),
    ]


def xlsx(**options) -> bytes:
    return package(xlsx_members(**options))


def openpyxl_xlsx(rows: list[list], hyperlink: str | None = None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if hyperlink:
        sheet["A1"].hyperlink = hyperlink
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
