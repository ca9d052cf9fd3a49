"""Lists for the importers: the province's enterprise list and the expert list, ordinary and hostile."""

from __future__ import annotations

from core.expert_import import IMPORT_COLUMNS as EXPERT_COLUMNS
from core.roster_import import REQUIRED_COLUMNS
from tests.security.make_office import Member, package, sheet_xml, xlsx_members

ROSTER_HEADER = ",".join(("序号", *REQUIRED_COLUMNS))
ROSTER_ROW = "{n},{name},保定市,涿州市,金属制品业,金属结构制造,河北省生态环境厅"
EXPERT_HEADER = ",".join(EXPERT_COLUMNS)
EXPERT_ROW = "{name},河北省环境科学研究院,工程师,农副食品加工业,保定市清苑区,139123{n:05d},,"


def roster_csv(names: list[str]) -> bytes:
    lines = [ROSTER_HEADER] + [ROSTER_ROW.format(n=i, name=_csv(name)) for i, name in enumerate(names, start=1)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def expert_csv(names: list[str]) -> bytes:
    lines = [EXPERT_HEADER] + [EXPERT_ROW.format(n=i, name=_csv(name)) for i, name in enumerate(names, start=1)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _csv(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\r\n') else value


def _inline(ref: str, text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _header_row() -> str:
    cells = "".join(_inline(f"{chr(65 + i)}1", h) for i, h in enumerate(("序号", *REQUIRED_COLUMNS)))
    return f'<row r="1">{cells}</row>'


def _data_row(line: int, name: str) -> str:
    values = (str(line - 1), name, "保定市", "涿州市", "金属制品业", "金属结构制造", "河北省生态环境厅")
    return f'<row r="{line}">' + "".join(_inline(f"{chr(65 + i)}{line}", v) for i, v in enumerate(values)) + "</row>"


def roster_xlsx(rows: str, dimension: str | None = None, extra: list[Member] | None = None) -> bytes:
    """A workbook whose first sheet has the roster header and then `rows` (worksheet XML)."""
    xml = sheet_xml(_header_row() + rows)
    if dimension:
        xml = xml.replace(b"<sheetData>", f'<dimension ref="{dimension}"/><sheetData>'.encode())
    return package(xlsx_members(sheet=xml, extra=extra))


def roster_xlsx_names(names: list[str]) -> bytes:
    return roster_xlsx("".join(_data_row(i, name) for i, name in enumerate(names, start=2)))


def xfd_width(count: int = 20_000) -> bytes:
    """The attacker's file of issue 12: one cell in column XFD (16,384) per row; 20,000 rows is ~100 KB."""
    rows = "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(2, count + 2))
    return roster_xlsx(rows, dimension=f"A1:XFD{count + 1}")


def many_rows(count: int) -> bytes:
    """`count` filled rows: far more than an import may have."""
    rows = "".join(f'<row r="{r}"><c r="B{r}" t="inlineStr"><is><t>企业{r}</t></is></c></row>'
                   for r in range(2, count + 2))
    return roster_xlsx(rows)


def far_row() -> bytes:
    """One real row, then one at the last line Excel has (1,048,576)."""
    return roster_xlsx(_data_row(2, "保定某某金属制品有限公司") + _data_row(1_048_576, "远处的企业"))


def wide_row(cells: int = 20_000) -> bytes:
    """A single row of `cells` cells (openpyxl would build all of them at once)."""
    row = "".join(f"<c><v>{i % 10}</v></c>" for i in range(cells))
    return roster_xlsx(f'<row r="2">{row}</row>')


def doctype_sheet() -> bytes:
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
              '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>')
    return package(xlsx_members(sheet=laughs.encode()))


def huge_field_csv(size: int = 200_000) -> bytes:
    return (ROSTER_HEADER + "\n" + ROSTER_ROW.format(n=1, name='"' + "名" * size + '"') + "\n").encode()


def wide_line_csv(commas: int = 1_000_000) -> bytes:
    return (ROSTER_HEADER + "\n" + ROSTER_ROW.format(n=1, name="甲") + "," * commas + "\n").encode()


def many_rows_csv(count: int) -> bytes:
    return roster_csv([f"企业{i}" for i in range(count)])


def utf16_sheet() -> bytes:
    """The worksheet in UTF-16, where byte-level checks would not see its tags."""
    xml = sheet_xml(_header_row() + _data_row(2, "保定某某金属制品有限公司")).decode()
    return package(xlsx_members(sheet=xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")))
