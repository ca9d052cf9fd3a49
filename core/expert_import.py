"""专家导入: a spreadsheet of experts checked row by row into a preview; nothing is saved until every
row is clean, and the import re-checks every row against the pool as it is then."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, table_reader
from core.errors import RuleViolation, ValidationError
from core.experts import (
    ACTIVE_WORDS,
    DUPLICATE,
    FIELDS,
    LIST_SPLIT,
    SEPARATORS,
    SPLIT,
    ExpertForm,
    Reference,
    find_duplicate,
    require_maintainer,
    snapshot,
    validate,
)
from core.models import Tier, User
from core.reference import normalize_name
from core.review_models import Expert
from core.table_reader import ImportFileError


IMPORT_COLUMNS = ("姓名", "工作单位", "职称", "专业领域", "所在地区", "联系电话", "回避单位", "状态")
REQUIRED_IMPORT_COLUMNS = ("姓名", "工作单位", "专业领域", "所在地区", "联系电话")
MAX_IMPORT_ROWS = 5_000
EXAMPLE_ROW = ("张伟", "河北省环境科学研究院", "高级工程师", "13 农副食品加工业、26 化学原料和化学制品制造业",
               "保定市清苑区", "13912345678", "保定某某食品有限公司", "在库")


@dataclass
class ExpertImportRow:
    line: int  # the row's number in the file (header = 1)
    values: dict[str, str]
    form: ExpertForm
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ExpertImportPreview:
    rows: list[ExpertImportRow]
    file_error: str | None = None
    registry_code: str | None = None

    @property
    def ok(self) -> bool:
        return self.file_error is None and bool(self.rows) and all(r.ok for r in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if not r.ok)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _read(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line, values by column) of the non-blank rows of an .xlsx or .csv file."""
    try:
        table = table_reader.read_table(filename, data, MAX_IMPORT_ROWS)
    except ImportFileError:
        raise
    except Exception as exc:  # a damaged file fails in many ways deep inside the readers
        raise ImportFileError("无法读取该文件，文件可能已损坏，请检查后重新上传") from exc
    header = [normalize_name(h) for h in table.header]
    missing = [c for c in REQUIRED_IMPORT_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(f"缺少必需的列：{'、'.join(missing)}（表头应为：{'、'.join(IMPORT_COLUMNS)}）")
    rows = []
    for line, raw in table.rows:
        values = {h: _cell(v) for h, v in zip(header, raw, strict=False) if h in IMPORT_COLUMNS}
        if any(values.values()):
            rows.append((line, {c: values.get(c, "") for c in IMPORT_COLUMNS}))
    if not rows:
        raise ImportFileError("文件中没有专家数据")
    return rows


_BOUNDARY = SEPARATORS + r"\s\u3000"


def _name_pattern(name: str) -> re.Pattern:
    # a standard name standing on its own: after the start, a separator, a space or a code
    return re.compile(rf"(?<![^{_BOUNDARY}0-9]){re.escape(name)}(?![^{_BOUNDARY}])")


class _ImportReference(Reference):
    def __init__(self, session: Session, province_code: str):
        super().__init__(session, province_code)
        # longest first, so that a name is never taken for a shorter one inside it
        self.name_patterns = [(_name_pattern(n), c) for c, n in
                              sorted(self.industries.items(), key=lambda i: -len(i[1]))]
        self.region_by_name: dict[str, set[str]] = {}
        for code, d in self.divisions.items():
            if d.province_code != province_code or d.level not in (Tier.CITY, Tier.COUNTY):
                continue
            names = {d.name, d.short_name}
            city = self.city_names.get(d.city_code or "") if d.level is Tier.COUNTY else None
            if city:
                names |= {city + d.name, city + d.short_name}
            for n in names:
                self.region_by_name.setdefault(normalize_name(n), set()).add(code)


def _parse_specialties(ref: _ImportReference, text: str, errors: list[str]) -> list[str]:
    """Codes of a 专业领域 cell: codes, exact 大类 names, or "13 农副食品加工业", in any list."""
    for pattern, code in ref.name_patterns:  # names may hold 、 themselves: take them out first
        text = pattern.sub(f" #{code} ", text)
    found: list[str] = []
    for item in LIST_SPLIT.split(text):  # a code and its name go together only within one item
        _parse_item([t for t in SPLIT.split(item) if t], ref, found, errors)
    return list(dict.fromkeys(found))


def _parse_item(tokens: list[str], ref: _ImportReference, found: list[str], errors: list[str]) -> None:
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("#"):
            found.append(token[1:])
        elif token.isascii() and token.isdigit() and len(token) <= 2:
            code = token.zfill(2)  # a spreadsheet turns 06 into 6
            if code not in ref.industries:
                errors.append(f"专业领域“{token}”不是 GB/T 4754-2017 的行业大类代码")
            else:
                found.append(code)
                following = tokens[i + 1] if i + 1 < len(tokens) else ""
                if following and not following[0].isdigit():  # "13 农副食品加工业": the name must agree
                    i += 1
                    named = following[1:] if following.startswith("#") else \
                        ref.industry_by_name.get(normalize_name(following))
                    if named != code:
                        shown = ref.industries[named] if named else following
                        errors.append(f"专业领域“{token} {shown}”的代码与名称不一致"
                                      f"（{code} 为“{ref.industries[code]}”）")
        else:
            code = ref.industry_by_name.get(normalize_name(token))
            if code is None:
                errors.append(f"专业领域“{token}”不是 GB/T 4754-2017 的行业大类代码或名称")
            else:
                found.append(code)
        i += 1


def _parse_region(ref: _ImportReference, text: str, errors: list[str]) -> str:
    value = normalize_name(text)
    if not value or value.isdigit():
        return value  # blank or a code: the form check says what is wrong with it
    hits = ref.region_by_name.get(value, set())
    if len(hits) > 1:
        errors.append(f"所在地区“{text}”有多个同名地区，请填写“地市+区县”（如 保定市清苑区）或 6 位区划代码")
        return ""
    if not hits:
        errors.append(f"所在地区“{text}”不是本省的地市或区县")
        return ""
    return next(iter(hits))


def _parse_status(text: str, errors: list[str]) -> bool:
    key = normalize_name(text)
    if key not in ACTIVE_WORDS:
        errors.append(f"状态应填“在库”或“停用”（不填为在库），当前为“{text}”")
        return True
    return ACTIVE_WORDS[key]


def split_list(text: str) -> list[str]:
    """The items of a list typed into one cell or text area."""
    return [t for t in SPLIT.split(text or "") if t]


def import_preview(session: Session, actor: User, filename: str, data: bytes) -> ExpertImportPreview:
    """Read and check an expert list for the actor's registry; never writes to the database."""
    require_maintainer(actor)
    registry = actor.division_code
    try:
        table = _read(filename, data)
    except ImportFileError as exc:
        return ExpertImportPreview(rows=[], file_error=str(exc), registry_code=registry)
    ref = _ImportReference(session, actor.division.province_code)
    existing = {(e.name, e.phone) for e in session.scalars(select(Expert).where(Expert.registry_code == registry))}
    seen: dict[tuple[str, str], int] = {}
    rows: list[ExpertImportRow] = []
    for line, values in table:
        parsed: dict[str, list[str]] = {"specialties": [], "region_code": [], "active": []}
        specialties = _parse_specialties(ref, values["专业领域"], parsed["specialties"])
        region = _parse_region(ref, values["所在地区"], parsed["region_code"])
        active = _parse_status(values["状态"], parsed["active"])
        form = ExpertForm(name=values["姓名"], organisation=values["工作单位"], title=values["职称"],
                          specialties=specialties, region_code=region, phone=values["联系电话"], active=active,
                          conflicts=split_list(values["回避单位"]))
        checked, problems = validate(ref, form, skip=tuple(k for k, found in parsed.items() if found))
        errors = [p for c in IMPORT_COLUMNS if (p := table_reader.formula_problem(line, c, values[c]))]
        errors += [message for key in FIELDS
                   for message in [p.message for p in problems if p.field == key] + parsed.get(key, [])]
        if "name" in checked and "phone" in checked:
            key = (checked["name"], checked["phone"])
            if key in seen:
                errors.append(f"与第 {seen[key]} 行重复（姓名和联系电话相同）")
            elif key in existing:
                errors.append(DUPLICATE.format(**checked))
            seen.setdefault(key, line)
        form = ExpertForm(**{**form.__dict__, **checked})
        rows.append(ExpertImportRow(line=line, values=values, form=form, errors=errors))
    return ExpertImportPreview(rows=rows, registry_code=registry)


def import_experts(session: Session, actor: User, preview: ExpertImportPreview) -> int:
    """Create every expert of a clean preview in the actor's registry, all or none; returns the count."""
    require_maintainer(actor)
    if preview.file_error:
        raise RuleViolation(f"文件无法导入：{preview.file_error}")
    if not preview.rows:
        raise RuleViolation("文件中没有专家数据")
    if not preview.ok:
        raise RuleViolation(f"还有 {preview.error_count} 行需要修正：请修正文件后重新上传，全部无误后才能导入")
    if preview.registry_code != actor.division_code:
        raise RuleViolation("该预览不是为本部门专家库生成的，请重新上传文件")
    ref = Reference(session, actor.division.province_code)
    experts = []
    for row in preview.rows:  # checked again: the pool may have changed since the preview
        values, problems = validate(ref, row.form)
        if problems:
            raise ValidationError(f"第 {row.line} 行：{problems[0].message}", field=problems[0].field)
        if find_duplicate(session, actor.division_code, values["name"], values["phone"]) is not None:
            raise ValidationError(f"第 {row.line} 行：" + DUPLICATE.format(**values), field="name")
        experts.append(Expert(registry_code=actor.division_code, **values))
    session.add_all(experts)
    try:
        session.flush()
    except IntegrityError as exc:  # someone registered one of them meanwhile
        raise RuleViolation("导入期间专家库已发生变化，部分专家已被登记，请重新上传文件") from exc
    for expert in experts:
        audit.record(session, actor=actor, action="expert.create", object_type="expert", object_id=expert.id,
                     after={**snapshot(expert), "source": "import"})
    return len(experts)


def template_xlsx() -> bytes:
    """The import template: the header row and one example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from core.exports import neutralised

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "专家名单"
    sheet.append([neutralised(v) for v in IMPORT_COLUMNS])
    sheet.append([neutralised(v) for v in EXAMPLE_ROW])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGH", (10, 28, 14, 44, 16, 16, 28, 8), strict=True):
        sheet.column_dimensions[column].width = width
        for cell in sheet[column]:
            cell.number_format = "@"  # text: keeps phone numbers and codes as typed
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
