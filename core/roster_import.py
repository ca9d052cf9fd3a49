"""Reading the province's proposed enterprise list (.xlsx or .csv) into a preview with row errors.

Nothing is saved here: the preview shows every row with what it resolved to and what is wrong,
and proposes the closest standard entry where a name is not exact, for a person to confirm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from core import credit_code, table_reader
from core.models import ManagingTier
from core.reference import Match, NameResolver, normalize_name
from core.text import Limit
from core.text import problem as text_problem
from core.table_reader import ImportFileError

REQUIRED_COLUMNS = ("企业名称", "所属城市", "所属区县", "行业大类名称", "行业名称", "负责评估验收部门")
OPTIONAL_COLUMNS = ("序号", "统一社会信用代码", "是否双超", "是否双有")
MAX_ROWS = 20_000

YES = {"是", "Y", "YES", "TRUE", "1", "√"}
NO = {"否", "N", "NO", "FALSE", "0", ""}


@dataclass
class ImportRow:
    line: int  # the row's number in the file (header = 1), to point users at it
    values: dict[str, str]
    county_code: str | None = None
    industry_code: str | None = None
    managing_tier: ManagingTier | None = None
    credit_code: str | None = None
    double_exceed: bool = False
    double_toxic: bool = False
    errors: list[str] = field(default_factory=list)
    # field -> closest standard entries (code, name), best first, for the user to confirm
    proposals: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def name(self) -> str:
        return self.values.get("企业名称", "")


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    file_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.file_error is None and all(r.ok for r in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if not r.ok)


def read_table(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line, values by stripped header name) of the non-blank rows of an .xlsx or .csv file."""
    table = table_reader.read_table(filename, data, MAX_ROWS)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.header]
    if missing:
        raise ImportFileError(f"缺少必需的列：{'、'.join(missing)}（须包含：{'、'.join(REQUIRED_COLUMNS)}）")
    return [(line, {h: str(v if v is not None else "").strip() for h, v in zip(table.header, cells) if h})
            for line, cells in table.rows]


def managing_tier_of(department: str) -> ManagingTier | None:
    """负责评估验收部门 -> managing tier; lists spell the city bureau as 局 or 分局."""
    name = normalize_name(department)
    if name.endswith("省生态环境厅"):
        return ManagingTier.PROVINCE
    if "市生态环境" in name and name.endswith(("局", "分局")):
        return ManagingTier.CITY
    return None


def _yes_no(value: str, label: str, row: ImportRow) -> bool:
    key = value.strip().upper()
    if key in YES:
        return True
    if key not in NO:
        row.errors.append(f"{label}应填“是”或“否”，当前为“{value}”")
    return False


def _check_name(match: Match, what: str, given: str, row: ImportRow, field_name: str) -> str | None:
    if match.exact:
        return match.code
    if match.proposals:
        row.proposals[field_name] = match.proposals
        best = match.proposals[0]
        row.errors.append(f"{what}“{given}”不是标准名称，最接近的是“{best[1]}”（{best[0]}），请确认")
    else:
        row.errors.append(f"未知的{what}“{given}”")
    return None


def preview(session: Session, filename: str, data: bytes) -> ImportPreview:
    """Read and check a proposed list; never writes to the database."""
    try:
        table = read_table(filename, data)
    except ImportFileError as exc:
        return ImportPreview(rows=[], file_error=str(exc))
    names = NameResolver(session)
    rows: list[ImportRow] = []
    seen_names: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    for number, values in table:
        row = ImportRow(line=number, values=values)
        row.errors.extend(p for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
                          if (p := table_reader.formula_problem(number, c, values.get(c, ""))))
        if not row.name:
            row.errors.append("企业名称不能为空")
        for column, value in values.items():
            if message := text_problem(value, column, Limit.NAME if column == "企业名称" else Limit.SHORT):
                row.errors.append(message)
        row.county_code = _check_name(names.county(values["所属城市"], values["所属区县"]),
                                      "区县", values["所属区县"], row, "county")
        row.industry_code = _check_name(names.industry(values["行业大类名称"], values["行业名称"]),
                                        "行业", values["行业名称"], row, "industry")
        row.managing_tier = managing_tier_of(values["负责评估验收部门"])
        if row.managing_tier is None:
            row.errors.append(f"无法识别负责评估验收部门“{values['负责评估验收部门']}”"
                              "（应为省生态环境厅或市生态环境局）")
        code = credit_code.normalize(values.get("统一社会信用代码", ""))
        if code:
            if problem := credit_code.problem(code):
                row.errors.append(problem)
            else:
                row.credit_code = code
                if code in seen_codes:
                    row.errors.append(f"统一社会信用代码与第 {seen_codes[code]} 行重复")
                seen_codes.setdefault(code, number)
        row.double_exceed = _yes_no(values.get("是否双超", ""), "是否双超", row)
        row.double_toxic = _yes_no(values.get("是否双有", ""), "是否双有", row)
        key = normalize_name(row.name)
        if key and key in seen_names:
            row.errors.append(f"企业名称与第 {seen_names[key]} 行重复")
        seen_names.setdefault(key, number)
        rows.append(row)
    if not rows:
        return ImportPreview(rows=[], file_error="文件中没有企业数据")
    return ImportPreview(rows=rows)


def confirm_proposal(row: ImportRow, field_name: str, code: str) -> None:
    """The user accepts one of the proposed standard entries for a field of a row."""
    choices = dict(row.proposals.get(field_name, ()))
    if code not in choices:
        raise ValueError(f"{code} was not proposed for {field_name}")
    if field_name == "county":
        row.county_code = code
    else:
        row.industry_code = code
    row.proposals.pop(field_name)
    label = "区县" if field_name == "county" else "行业"
    row.errors = [e for e in row.errors if not (e.startswith(label) and "请确认" in e)]
