"""Stamped 告知书 scans uploaded many at once, each matched to its letter by the number in its file name.

A county prints its letters, stamps them and scans them; uploading the scans one enterprise at a time
took 51 clicks for 涿州's 17. Here the county sends them together: `match_scans` (pure) says which file
goes with which letter, or why it goes with none, and the screen shows that before anything is stored.
On confirmation, as letter_issue does: `check` runs the file checks (core.files) outside any
transaction, then `record` attaches every checked scan in one short write, refused as a whole when a
letter changed since the preview. A file that goes with no letter or fails its check is named with the
reason; nothing else is left out.

The match is by exact number only: every run of digits in the name is a candidate, and a run must be
a letter number of this county's notice as a whole (a number that is a prefix of a longer run, or
contains a shorter one, is not that number). A name with two letter numbers, or two files naming the
same letter, are not guessed at.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy.orm import Session

from core import audit, files, notice
from core.db import lock
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.models import Tier, User
from core.notice_models import NoticeAssignment, NoticeLetter

_DIGITS = re.compile(r"[0-9]+")
# year + 6-digit county code + sequence of at least 5 digits (core.notice._letter_numbers)
_LETTER_SHAPE = re.compile(r"(\d{4})(\d{6})\d{5,}")
STALE_BATCH = ("告知书“{}”的盖章版已被本部门其他用户更新，或任务已被修改：本次批量上传未生效，"
               "请刷新页面后重新选择文件")


class ScanStatus(str, enum.Enum):
    MATCHED = "matched"
    UNMATCHED = "unmatched"
    DUPLICATE = "duplicate"
    BAD_FORMAT = "bad_format"

    @property
    def label(self) -> str:
        return {"matched": "已匹配", "unmatched": "未匹配", "duplicate": "重复", "bad_format": "格式不符"}[self.value]


@dataclass(frozen=True)
class LetterRef:
    """What matching needs of one of the county's letters."""

    letter_id: int
    number: str
    enterprise_name: str
    issued: bool  # generated at least once: only an issued letter can have been stamped
    scan_name: str | None = None  # the stamped scan it has now, which a match replaces


@dataclass(frozen=True)
class ScanMatch:
    index: int  # position among the files sent, so that two files of the same name stay apart
    name: str
    status: ScanStatus
    reason: str = ""
    letter: LetterRef | None = None

    @property
    def matched(self) -> bool:
        return self.status is ScanStatus.MATCHED


def _format_problem(name: str, data: bytes) -> str | None:
    """The quick part of core.files' checks (extension, size, what the bytes are), for the preview;
    the whole check runs on confirmation."""
    extension = PurePath(name).suffix.lower()
    allowed = {ext for kind in files.SCAN_KINDS for ext in files.EXTENSIONS[kind]}
    if extension not in allowed:
        return "只接受 PDF、JPG、PNG 格式的盖章扫描件"
    if not data:
        return "文件是空的"
    if len(data) > files.MAX_BYTES:
        return f"文件过大：{len(data) / 1048576:.1f} MB，最大 {files.MAX_BYTES // 1048576} MB"
    kind = files.sniff(data)
    if kind not in files.SCAN_KINDS:
        return "文件内容不是 PDF、JPG 或 PNG"
    if extension not in files.EXTENSIONS[kind]:
        return f"文件扩展名与内容不符：内容是 {files.KIND_LABELS[kind]}"
    return None


def numbers_in(name: str) -> list[str]:
    """The runs of digits of a file name that are shaped like a letter number (full-width digits
    count as digits), in order, each once."""
    stem = unicodedata.normalize("NFKC", PurePath(name).stem)
    runs = [run for run in _DIGITS.findall(stem) if _LETTER_SHAPE.fullmatch(run)]
    return list(dict.fromkeys(runs))


def match_scans(uploads: Sequence[tuple[str, bytes]], letters: Sequence[LetterRef], county_code: str) -> list[ScanMatch]:
    """Which of the county's letters each file is the stamped scan of, or why it is none (pure)."""
    by_number = {x.number: x for x in letters}
    found: list[ScanMatch] = []
    for index, (name, data) in enumerate(uploads):
        if problem := _format_problem(name, data):
            found.append(ScanMatch(index, name, ScanStatus.BAD_FORMAT, problem))
            continue
        found.append(_match_one(index, name, by_number, county_code))
    claimed: dict[int, list[int]] = {}
    for m in found:
        if m.matched:
            claimed.setdefault(m.letter.letter_id, []).append(m.index)
    for indexes in claimed.values():
        if len(indexes) > 1:
            names = "、".join(f"“{found[i].name}”" for i in indexes)
            for i in indexes:
                found[i] = ScanMatch(i, found[i].name, ScanStatus.DUPLICATE,
                                     f"{names} 都对应告知书 {found[i].letter.number}，请只保留一个文件",
                                     found[i].letter)
    return found


def _match_one(index: int, name: str, by_number: dict[str, LetterRef], county_code: str) -> ScanMatch:
    runs = numbers_in(name)
    hits = [by_number[run] for run in runs if run in by_number]
    if len(hits) > 1:
        return ScanMatch(index, name, ScanStatus.UNMATCHED,
                         f"文件名含有多个告知书编号（{'、'.join(x.number for x in hits)}），无法确定对应哪份告知书")
    if not hits:
        if not runs:
            return ScanMatch(index, name, ScanStatus.UNMATCHED,
                             "文件名中没有告知书编号（如 202113068100001），请将编号写入文件名")
        others = [run for run in runs if _LETTER_SHAPE.fullmatch(run)[2] != county_code]
        if others:
            return ScanMatch(index, name, ScanStatus.UNMATCHED, f"编号 {others[0]} 不是本县的告知书编号")
        return ScanMatch(index, name, ScanStatus.UNMATCHED, f"本任务中没有编号为 {runs[0]} 的告知书")
    letter = hits[0]
    if not letter.issued:
        return ScanMatch(index, name, ScanStatus.UNMATCHED,
                         f"告知书 {letter.number}（{letter.enterprise_name}）尚未生成，请先生成、盖章后再上传",
                         letter)
    note = f"将替换已上传的“{letter.scan_name}”" if letter.scan_name else ""
    return ScanMatch(index, name, ScanStatus.MATCHED, note, letter)


# --- the county's screen --------------------------------------------------------------------------

def _county_part(session: Session, actor: User, part_id: int, *, locked: bool = False) -> NoticeAssignment:
    part = notice.own_part(session, actor, part_id, locked=locked)
    if part.level is not Tier.COUNTY:
        raise PermissionDenied("盖章告知书由企业所在区县生态环境部门上传")
    if part.status is not notice.S.PENDING_DISPATCH:
        raise RuleViolation("任务已下发，盖章告知书不能再更换")
    return part


def preview(session: Session, actor: User, part_id: int, uploads: Sequence[tuple[str, bytes]]) -> list[ScanMatch]:
    """The matching of the files chosen, against the county's letters as they are now."""
    part = _county_part(session, actor, part_id)
    letters = notice.letters_in(session, part)
    scans = notice.stamped_scans(session, [x.id for x in letters])
    refs = [LetterRef(x.id, x.letter_number, x.enterprise.name, x.generated_at is not None,
                      scans[x.id].original_name if x.id in scans else None) for x in letters]
    return match_scans(uploads, refs, part.division_code)


@dataclass(frozen=True)
class CheckedScan:
    letter_id: int
    letter_number: str
    enterprise_name: str
    upload: files.Upload


@dataclass(frozen=True)
class ScanCheck:
    accepted: tuple[CheckedScan, ...]
    refused: tuple[str, ...]  # "name：reason" of every file not attached, matched or not

    def refusal(self) -> str | None:
        return f"未上传 {len(self.refused)} 个文件：" + "；".join(self.refused) if self.refused else None


def check(matches: Sequence[ScanMatch], uploads: Sequence[tuple[str, bytes]]) -> ScanCheck:
    """No database: the full file checks of every matched file; the others are named with their reason."""
    accepted, refused = [], []
    for m in matches:
        if not m.matched:
            refused.append(f"“{m.name}”：{m.status.label}，{m.reason}")
            continue
        try:
            upload = files.accept(*uploads[m.index])
        except ValidationError as exc:
            refused.append(f"“{m.name}”：{exc.message}")
            continue
        accepted.append(CheckedScan(m.letter.letter_id, m.letter.number, m.letter.enterprise_name, upload))
    return ScanCheck(tuple(accepted), tuple(refused))


def record(session: Session, actor: User, part_id: int, checked: ScanCheck, seen: dict[int, int]) -> int:
    """One write: every checked scan becomes its letter's stamped letter (replacing an earlier one), or,
    when the task or any of those letters changed since the user saw them, none does."""
    if not checked.accepted:
        raise ValidationError("没有可上传的盖章告知书：" + "；".join(checked.refused), field="file")
    part = _county_part(session, actor, part_id, locked=True)
    if len({x.letter_id for x in checked.accepted}) != len(checked.accepted):
        raise ValueError("one scan per letter")
    for scan in checked.accepted:
        letter = session.get(NoticeLetter, scan.letter_id)
        if letter is None or letter.notice_id != part.notice_id or letter.county_code != part.division_code:
            raise PermissionDenied("只能上传本县企业的盖章告知书")
        stale = STALE_BATCH.format(scan.letter_number)
        lock(session, letter, stale)
        if letter.version != seen.get(letter.id, letter.version) or letter.generated_at is None:
            raise RuleViolation(stale)
        notice.replace_stamped(session, actor, letter, scan.upload, stale)
    audit.record(session, actor=actor, action="notice.stamped_batch", object_type=notice.OWNER_PART,
                 object_id=part.id, after={"letters": [x.letter_number for x in checked.accepted],
                                           "refused": len(checked.refused)})
    return len(checked.accepted)


def upload_batch(session: Session, actor: User, part_id: int, uploads: Sequence[tuple[str, bytes]],
                 seen: dict[int, int] | None = None) -> ScanCheck:
    """Preview, check and record in the caller's one transaction: for scripts and tests."""
    checked = check(preview(session, actor, part_id, uploads), uploads)
    record(session, actor, part_id, checked, seen or {})
    return checked
