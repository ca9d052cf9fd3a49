"""Uploaded tables (.xlsx, .csv) read for the importers, within bounds fixed before reading.

The bounds are enforced while reading, never after: an .xlsx is read in openpyxl's streaming mode only
as wide as its header and only as far as the row limit, after its container passed the ZIP checks of
core.file_zip and a streaming look at every worksheet (no row wider than MAX_CELLS_PER_ROW cells,
which openpyxl would otherwise build in memory at once); a CSV is decoded once (its size is capped)
and split line by line with caps on line length, field length and rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath

from core.errors import ValidationError
from core.file_zip import ZipLimits, check_container

MAX_TABLE_BYTES = 10 * 1024 * 1024  # a 20,000-row list is 2-3 MB as .xlsx or .csv
MAX_COLUMNS = 64  # header cells looked at; the lists have 8-10 columns
MAX_CELL_CHARS = 2_000  # longer than any name, list of specialties or of avoided organisations
MAX_LINE_CHARS = 64 * 1024  # one CSV line
MAX_CELLS_PER_ROW = 1_024  # cells written in one worksheet row (Excel allows 16,384)
# A list of 20,000 rows unpacks to about 10 MB of XML; the rest is room for styles and other sheets.
IMPORT_LIMITS = ZipLimits(max_members=500, max_unpacked=64 * 1024 * 1024)
# A cell a spreadsheet would take for a formula when the list is exported again (formula injection).
_FORMULA_START = tuple("=+-@＝＋－＠")
_PLAIN_NUMBER = re.compile(r"[+\-－＋][\d\s().\-]*")  # -5, +86 139 1234 5678: a number, not a formula


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message says why in Chinese."""


@dataclass
class Table:
    header: list[str]  # the header texts, stripped, as wide as the last non-empty header cell
    rows: list[tuple[int, list]]  # (line in the file, cells up to the header's width); blank rows left out


def read_table(filename: str, data: bytes, max_rows: int) -> Table:
    """The header and the non-blank rows of an .xlsx or .csv file; ImportFileError if out of bounds."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ImportFileError("只支持 Excel（.xlsx）或 CSV（.csv）文件")
    if len(data) > MAX_TABLE_BYTES:
        raise ImportFileError(f"文件过大（{len(data) / 1048576:.1f} MB），导入文件最大 "
                              f"{MAX_TABLE_BYTES // 1048576} MB，请分批导入")
    lines = _csv_lines(data) if suffix == ".csv" else _xlsx_lines(data)
    try:
        first = next(lines, None)
        header_cells = list(first[1][:MAX_COLUMNS]) if first else []
        texts = [_text(v) for v in header_cells]
        width = max((i + 1 for i, t in enumerate(texts) if t), default=0)
        if width == 0:
            raise ImportFileError("文件中没有表头（第 1 行应为列名）")
        rows: list[tuple[int, list]] = []
        # blank rows are allowed between the data, but not without end: reading stops at this line
        last_line = 2 * max_rows + 1
        for line, cells in lines:
            if line > last_line:
                raise ImportFileError(f"文件行数过多（超过 {last_line} 行，含空行），一次最多导入 {max_rows} 行")
            cells = list(cells[:width]) + [None] * (width - len(cells))  # a short CSV line
            if not any(_text(v) for v in cells):
                continue
            for column, value in enumerate(cells, start=1):
                if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                    raise ImportFileError(f"第 {line} 行第 {column} 列的内容过长（超过 {MAX_CELL_CHARS} 个字符）")
            rows.append((line, cells))
            if len(rows) > max_rows:
                raise ImportFileError(f"一次最多导入 {max_rows} 行，当前文件超过 {max_rows} 行")
        return Table(header=texts[:width], rows=rows)
    finally:
        lines.close()


def formula_problem(line: int, column: str, value: str) -> str | None:
    """Why a cell is refused: text a spreadsheet would run as a formula (=, +, -, @, also after a tab)."""
    text = (value or "").lstrip()
    if not text.startswith(_FORMULA_START) or _PLAIN_NUMBER.fullmatch(text):
        return None
    return (f"第 {line} 行“{column}”以“{text[0]}”开头，可能被电子表格当作公式执行，"
            "出于安全原因不予导入，请删除开头的符号后重新上传")


def _text(value) -> str:
    return "" if value is None else str(value).strip()


# --- CSV ------------------------------------------------------------------------------------------

def _csv_lines(data: bytes) -> Iterator[tuple[int, list]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("无法识别 CSV 文件的编码，请另存为 UTF-8 编码后重试")
    if "\x00" in text:
        raise ImportFileError("CSV 文件中含有空字符，可能不是文本文件，请检查后重新上传")
    reader = csv.reader(_bounded(io.StringIO(text, newline="")))
    line = 0
    try:
        for line, row in enumerate(reader, start=1):
            yield line, row
    except csv.Error as exc:  # a field beyond csv's own limit (128 KB), or an unclosed quote
        raise ImportFileError(f"CSV 文件第 {line + 1} 行格式有误或内容过长，请检查后重新上传") from exc


def _bounded(source: io.StringIO) -> Iterator[str]:
    for number, text in enumerate(source, start=1):
        if len(text) > MAX_LINE_CHARS:
            raise ImportFileError(f"CSV 文件第 {number} 行过长（超过 {MAX_LINE_CHARS // 1024} K 个字符）")
        yield text


# --- XLSX -----------------------------------------------------------------------------------------

def _xlsx_lines(data: bytes) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        check_container(data, "Excel 文件", IMPORT_LIMITS, _worksheet_shape)
    except ValidationError as exc:
        raise ImportFileError(exc.message) from exc
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a damaged file
        raise ImportFileError("无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式") from exc
    try:
        sheet = workbook.worksheets[0]
        header = next(sheet.iter_rows(min_row=1, max_row=1, max_col=MAX_COLUMNS, values_only=True), ())
        yield 1, list(header)
        width = max((i + 1 for i, v in enumerate(header) if _text(v)), default=1)
        # openpyxl pads every row to max_col: without it, to the sheet's widest row (XFD: 16,384)
        rows = sheet.iter_rows(min_row=2, max_row=2 * 1_048_576, max_col=width, values_only=True)
        for line, row in enumerate(rows, start=2):
            yield line, list(row)
    except ImportFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged sheet fails deep inside openpyxl
        raise ImportFileError("无法读取该 Excel 文件，文件可能已损坏，请检查后重新上传") from exc
    finally:
        workbook.close()


def _worksheet_shape(name: str):
    lowered = name.lower()
    if not lowered.endswith((".xml", ".rels")):
        return None
    return _RowWidth(lowered.startswith("xl/worksheets/")).feed  # a DTD is refused in every part


# A row or cell start tag (with any namespace prefix), or a DTD. In XML text "<" is always escaped,
# so outside comments these are tags; a regular expression counts them far faster than a parser.
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,31}:)?(row|c|!DOCTYPE)[\s>/]")
_MARGIN = 64  # longer than any tag the expression matches: a tag cut by a chunk boundary is kept


class _RowWidth:
    """Counts the cells of each row as a worksheet streams by, and refuses a row openpyxl would choke
    on; in any XML part, refuses a DTD (no entity is ever expanded)."""

    def __init__(self, worksheet: bool):
        self.worksheet = worksheet
        self.row = 0
        self.cells = 0
        self.tail = b""

    def feed(self, chunk: bytes, final: bool) -> None:
        if not self.tail and self.row == 0 and (chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in chunk[:64]):
            # Excel writes UTF-8; in UTF-16 or UTF-32 the tags would slip past the count above
            raise ValidationError("Excel 文件中的 XML 部件不是 UTF-8 编码，无法安全读取，请用 Excel 另存后重新上传")
        data = self.tail + chunk
        cut = len(data) if final else max(0, len(data) - _MARGIN)
        for match in _TAG.finditer(data):
            if match.start() >= cut:
                break
            tag = match.group(1)
            if tag == b"!DOCTYPE":
                raise ValidationError("Excel 文件中的 XML 部件包含 DTD 声明，出于安全原因不予导入")
            if not self.worksheet:
                continue
            if tag == b"row":
                self.row, self.cells = self.row + 1, 0
            else:
                self.cells += 1
                if self.cells > MAX_CELLS_PER_ROW:
                    # ValidationError, not ImportFileError: check_container passes it through
                    raise ValidationError(f"Excel 文件第 {self.row} 个数据行的单元格过多（超过 {MAX_CELLS_PER_ROW} 个），"
                                          "请只保留名单所需的列")
        self.tail = data[cut:]
