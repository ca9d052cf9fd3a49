"""The 审核结果 document (清洁生产审核评估意见 / 验收意见) as an A4 PDF.

Issued by the reviewing department at the end of an evaluation (评估) or acceptance (验收) review:
the enterprise's data, the expert panel's scores and conclusions, the site review, and the
department's conclusion with the consolidated opinion. Font and styles are those of the notice
letters (core.letters), so both documents look alike and embed the same Chinese font.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Paragraph,
    Spacer,
    Table,
)

from core.letters import (
    BODY_SIZE,
    FONT_NAME,
    MARGIN,
    _safe,
    build_pdf,
    _styles,
    _Title,
    format_date,
)

KINDS = ("评估", "验收")
CELL_SIZE = 10.5
WIDTH = A4[0] - 2 * MARGIN  # the text frame's width


@dataclass(frozen=True)
class ExpertLine:
    name: str
    organisation: str
    title: str  # 职称, may be ""
    score: float | None  # None if that expert gave no score
    conclusion: str  # Chinese label, e.g. "同意通过"


@dataclass(frozen=True)
class ResultData:
    kind_label: str  # "评估" or "验收"
    document_number: str  # e.g. "冀清审评〔2026〕130600-00001"
    enterprise_name: str
    credit_code: str  # may be ""
    county_name: str  # e.g. "保定市清苑区"
    industry_name: str  # may be ""
    project_number: str
    campaign: str
    consultancy: str  # consultancy name or "企业自行开展"
    submitted_on: date
    site_review_date: date | None
    site_findings: str  # may be ""
    experts: tuple[ExpertLine, ...]
    passed: bool
    opinion: str  # the consolidated opinion; each line is a paragraph
    department_name: str
    issue_date: date


def result_title(kind_label: str) -> str:
    """清洁生产审核评估意见 or 清洁生产审核验收意见."""
    if kind_label not in KINDS:
        raise ValueError(f"审核类型应为“评估”或“验收”，而不是 {kind_label!r}")
    return f"清洁生产审核{kind_label}意见"


def result_filename(data: ResultData) -> str:
    """评估意见_<文号>_<企业名称>.pdf, safe as a file and ZIP member name."""
    name = f"{_safe(data.kind_label)}意见_{_safe(data.document_number)}_{_safe(data.enterprise_name)}"
    return name[:190] + ".pdf"


class _Bold(_Title):
    """A short bold-looking line, indented: _Title centres its text in a box just wide enough."""

    def __init__(self, text: str, size: float = BODY_SIZE, indent: float = 2 * BODY_SIZE):
        super().__init__(text, size)
        self.indent = indent

    def wrap(self, avail_width, avail_height):
        self.width = min(avail_width, pdfmetrics.stringWidth(self.text, FONT_NAME, self.size) + 2 * self.indent)
        return self.width, self.size * 2


def _cell_styles() -> tuple[ParagraphStyle, ParagraphStyle]:
    left = ParagraphStyle("cell", fontName=FONT_NAME, fontSize=CELL_SIZE, leading=CELL_SIZE * 1.45,
                          wordWrap="CJK")
    return left, ParagraphStyle("cell_centre", left, alignment=TA_CENTER)


def _grid(rows, widths, header: bool) -> Table:
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]
    shade = (0, 0, -1, 0) if header else (0, 0, 0, -1)  # the header row, or the label column
    style.append(("BACKGROUND", shade[:2], shade[2:], colors.HexColor("#F0F0F0")))
    return Table(rows, colWidths=widths, style=style, repeatRows=1 if header else 0, hAlign="CENTER")


def _info_table(data: ResultData, site: str) -> Table:
    left, centre = _cell_styles()
    fields = [("企业名称", data.enterprise_name), ("统一社会信用代码", data.credit_code or "—"),
              ("所在地区", data.county_name), ("所属行业", data.industry_name or "—"),
              ("项目编号", data.project_number), ("清审批次", data.campaign),
              ("审核方式/咨询机构", data.consultancy), ("申请日期", format_date(data.submitted_on)),
              ("现场审核日期", site)]
    rows = [[Paragraph(label, centre), Paragraph(escape(value), left)] for label, value in fields]
    return _grid(rows, [CELL_SIZE * 9 + 14, WIDTH - CELL_SIZE * 9 - 14], header=False)


def _experts(data: ResultData, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    if not data.experts:
        return [Paragraph("无", s["body"])]
    left, centre = _cell_styles()
    header = [Paragraph(h, centre) for h in ("序号", "姓名", "工作单位", "职称", "评分", "结论")]
    rows = [header] + [
        [Paragraph(str(i), centre), Paragraph(escape(x.name), left), Paragraph(escape(x.organisation), left),
         Paragraph(escape(x.title) or "—", left), Paragraph("—" if x.score is None else f"{x.score:.1f}", centre),
         Paragraph(escape(x.conclusion), left)]
        for i, x in enumerate(data.experts, start=1)]
    widths = [34, 56, 0, 76, 42, 86]
    widths[2] = WIDTH - sum(widths)
    flowables: list[Flowable] = [_grid(rows, widths, header=True)]
    scores = [x.score for x in data.experts if x.score is not None]
    if scores:
        flowables += [Spacer(1, 4), Paragraph(f"专家平均评分：{sum(scores) / len(scores):.1f} 分", s["body"])]
    return flowables


def _paragraphs(text: str, style: ParagraphStyle) -> list[Flowable]:
    return [Paragraph(escape(line.strip()), style) for line in text.splitlines() if line.strip()]


def _section(heading: str, content: list[Flowable]) -> list[Flowable]:
    """A heading and its content; a new page first only when the page is nearly full, so that a heading
    never ends a page while a long section still starts where it is (no half-empty page behind)."""
    return [CondPageBreak(10 * BODY_SIZE), _Bold(heading, indent=0), *content]


class _WithSignature(Flowable):
    """The last flowable of the text, then the signature block: the block is never alone on a page.

    When both do not fit in what is left of the page, the text's last lines go to the next page with
    the block (a paragraph is split so that at least KEPT_LINES of it move; a shorter text moves whole).
    Like KeepTogether it never draws itself: wrap asks for a split, and split hands the frame ordinary
    flowables.
    """

    KEPT_LINES = 2

    def __init__(self, text: Flowable, block: list[Flowable]):
        super().__init__()
        self.text, self.block = text, block

    def wrap(self, avail_width, avail_height):
        return avail_width, 0xFFFFFF  # force split(): the decision needs the height left on the page

    def split(self, avail_width, avail_height):
        needed = sum(f.wrap(avail_width, avail_height)[1] + f.getSpaceBefore() + f.getSpaceAfter()
                     for f in (self.text, *self.block))
        if needed <= avail_height:
            return [self.text, *self.block]
        if isinstance(self.text, Paragraph):
            self.text.wrap(avail_width, avail_height)
            leading = self.text.style.leading
            lines = len(self.text.blPara.lines)
            here = min(int(avail_height // leading), lines - self.KEPT_LINES)
            if here >= 1:
                parts = self.text.split(avail_width, here * leading + 0.01)
                if len(parts) == 2:
                    return [parts[0], _WithSignature(parts[1], self.block)]
        return []  # nothing of it fits here: the frame moves it whole to the next page


def _story(data: ResultData) -> list[Flowable]:
    s = _styles()
    kind = data.kind_label
    site = format_date(data.site_review_date) if data.site_review_date else "未记录"
    story: list[Flowable] = [
        _Title(result_title(kind)),
        Paragraph(escape(data.document_number), s["number"]),
        _info_table(data, site),
        Spacer(1, BODY_SIZE),
        *_section("一、专家组意见", _experts(data, s)),
        *_section("二、现场审核情况", [
            Paragraph(f"现场审核日期：{site}", s["body"]),
            *(_paragraphs(data.site_findings, s["body"]) or [Paragraph("现场审核情况：未记录", s["body"])])]),
        *_section("三、审核结论", [
            _Bold(f"经审核，该企业清洁生产审核{kind}：{'通过' if data.passed else '不通过'}"),
            *_paragraphs(data.opinion, s["body"])]),
    ]
    # Signature block at the right, as in the notice letters; room above it for the seal.
    signer = f"{data.department_name}（章）"
    width = max(pdfmetrics.stringWidth(signer, FONT_NAME, BODY_SIZE), 9 * BODY_SIZE) + 3 * BODY_SIZE
    signature = Table([[Paragraph(escape(signer), s["sign"])],
                       [Paragraph(format_date(data.issue_date), s["sign"])]],
                      colWidths=[min(width, WIDTH - 12)], hAlign="RIGHT",
                      style=[("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 2 * BODY_SIZE)])
    # The seal and the date end the text they sign: with three experts or a long opinion the block
    # used to fall alone onto a new page.
    story.append(_WithSignature(story.pop(), [Spacer(1, BODY_SIZE * 3), signature]))
    return story


def render_result(data: ResultData) -> bytes:
    """The 评估意见 / 验收意见 as an A4 PDF with the font embedded; as many pages as the text needs."""
    return build_pdf(lambda: _story(data), title=result_title(data.kind_label),
                     subject=f"{data.enterprise_name} 文号 {data.document_number}", author=data.department_name)
