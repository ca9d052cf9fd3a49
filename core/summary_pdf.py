"""清洁生产审核工作总结（数据部分） as an A4 PDF: the figures a county or city reports in writing after
acceptance (seed 001) — enterprises and their evaluation and acceptance results, the options carried out
and their investment, the economic and environmental benefits — in sentences and in a table per area.

Font, styles and page furniture are those of the notice letters (core.letters.build_pdf), like the
审核结果 document (core.review_pdf). The numbers come from core.summary; nothing is counted here.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib import textsplit as rl_textsplit
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import CondPageBreak, Flowable, Spacer, Table
from reportlab.platypus import paragraph as rl_paragraph

from core.letters import (
    BODY_SIZE,
    FONT_NAME,
    MARGIN,
    _styles,
    _Title,
    build_pdf,
    format_date,
)
from core.summary import TABLE_NOTE, SummaryRow, figure_label, fmt, narrative

TITLE = "清洁生产审核工作总结（数据部分）"
CELL_SIZE = 9.5
WIDTH = A4[0] - 2 * MARGIN  # the text frame's width
NAME_WIDTH = 5.6 * CELL_SIZE + 8  # the area column: six characters and the padding
SHADE = colors.HexColor("#F0F0F0")


# Chinese punctuation that must not start a line; ReportLab's list (Japanese) lacks the full-width ones.
NO_LINE_START = "，；：！？"


@contextmanager
def _chinese_line_breaking():
    """ReportLab's CJK line breaking with NO_LINE_START added, for the duration of one paragraph's wrap (both
    splitters read the set: textsplit's for a one-style paragraph, paragraph's for mixed styles).
    Safe: every PDF of the system is built under core.letters' lock, so no other build sees the change."""
    modules = (rl_textsplit, rl_paragraph)
    originals = [m.ALL_CANNOT_START for m in modules]
    for module, original in zip(modules, originals, strict=True):
        module.ALL_CANNOT_START = original + NO_LINE_START
    try:
        yield
    finally:
        for module, original in zip(modules, originals, strict=True):
            module.ALL_CANNOT_START = original


class Paragraph(rl_paragraph.Paragraph):
    """A paragraph whose lines never start with a full-width comma, semicolon or colon (the mark hangs
    in the margin instead, as ReportLab does for 。and ）)."""

    def wrap(self, avail_width, avail_height):
        with _chinese_line_breaking():
            return super().wrap(avail_width, avail_height)

    def split(self, avail_width, avail_height):
        with _chinese_line_breaking():
            return super().split(avail_width, avail_height)


class _Heading(_Title):
    """A section heading: left-aligned, bold-looking (_Title draws its text centred in a box just wide enough)."""

    def wrap(self, avail_width, avail_height):
        self.width = min(avail_width, pdfmetrics.stringWidth(self.text, FONT_NAME, self.size))
        return self.width, self.size * 2.2


def _cell_styles() -> dict[str, ParagraphStyle]:
    left = ParagraphStyle("cell", fontName=FONT_NAME, fontSize=CELL_SIZE, leading=CELL_SIZE * 1.35, wordWrap="CJK")
    return {"left": left, "centre": ParagraphStyle("cell_centre", left, alignment=TA_CENTER),
            "right": ParagraphStyle("cell_right", left, alignment=TA_RIGHT)}


def _table(header: list[list], body: list[list], header_rows: int, spans: tuple = ()) -> Table:
    """A grid: shaded header rows (repeated on each page) and a shaded 合计 line at the bottom."""
    numbers = len(header[0]) - 1
    widths = [NAME_WIDTH] + [(WIDTH - NAME_WIDTH) / numbers] * numbers
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
             ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
             ("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE), ("BACKGROUND", (0, -1), (-1, -1), SHADE),
             *(("SPAN", start, end) for start, end in spans)]
    return Table(header + body, colWidths=widths, style=style, repeatRows=header_rows, hAlign="CENTER")


def _lines(rows: list[SummaryRow], total: SummaryRow, cells) -> list[list]:
    """One table line per area and the 合计 line; `cells(row)` gives a line's number strings."""
    c = _cell_styles()
    return [[Paragraph(escape(r.name), c["left"]), *(Paragraph(v, c["right"]) for v in cells(r))]
            for r in [*rows, replace(total, name="合计")]]


def _results_table(rows, total, area_label: str) -> Table:
    c = _cell_styles()
    h = lambda text: Paragraph(text, c["centre"])
    header = [[h(escape(area_label)), h("企业数"), h("评估"), "", "", h("验收"), "", ""],
              ["", "", h("通过"), h("未通过"), h("办理中"), h("通过"), h("未通过"), h("办理中")]]
    body = _lines(rows, total, lambda r: [str(v) for v in (
        r.enterprises, r.evaluation_passed, r.evaluation_failed, r.evaluation_in_review,
        r.acceptance_passed, r.acceptance_failed, r.acceptance_in_review)])
    return _table(header, body, 2, spans=(((0, 0), (0, 1)), ((1, 0), (1, 1)), ((2, 0), (4, 0)), ((5, 0), (7, 0))))


def _options_table(rows, total, area_label: str) -> Table:
    c = _cell_styles()
    h = lambda text: Paragraph(text, c["centre"])
    header = [[h(escape(area_label)), h("方案数"), "", h("已实施"), "", h("计划实施"), h(figure_label("investment"))],
              ["", h("无/低费"), h("中/高费"), h("无/低费"), h("中/高费"), "", h("（已实施）")]]
    body = _lines(rows, total, lambda r: [str(r.low_cost), str(r.high_cost), str(r.low_cost_implemented),
                                         str(r.high_cost_implemented), str(r.planned), fmt(r.investment, "investment")])
    return _table(header, body, 2, spans=(((0, 0), (0, 1)), ((1, 0), (2, 0)), ((3, 0), (4, 0)), ((5, 0), (5, 1))))


BENEFITS = ("economic_benefit", "water_saved", "cod_reduced", "ammonia_reduced", "energy_saved", "other_reduced")
# Column heads broken where a narrow column reads best (the figure's name, then its unit).
BENEFIT_HEADS = {"economic_benefit": "经济效益<br/>（万元/年）", "water_saved": "节水<br/>（t/a）",
                 "cod_reduced": "COD 削减<br/>（t/a）", "ammonia_reduced": "氨氮削减<br/>（t/a）",
                 "energy_saved": "节能<br/>（tce/a）", "other_reduced": "其他污染物<br/>削减（t/a）"}


def _benefits_table(rows, total, area_label: str) -> Table:
    c = _cell_styles()
    header = [[Paragraph(escape(area_label), c["centre"]),
               *(Paragraph(BENEFIT_HEADS[k], c["centre"]) for k in BENEFITS)]]
    body = _lines(rows, total, lambda r: [fmt(getattr(r, k), k) for k in BENEFITS])
    return _table(header, body, 1)


def _section(heading: str, content: list[Flowable]) -> list[Flowable]:
    """A heading and its content; a new page first only when the page is nearly full (no orphan heading)."""
    return [CondPageBreak(10 * BODY_SIZE), Spacer(1, BODY_SIZE / 2), _Heading(heading), *content]


def _story(title_scope: str, campaign: str, rows: list[SummaryRow], total: SummaryRow, department: str,
           issue_date: date, area_label: str) -> list[Flowable]:
    s = _styles()
    c = _cell_styles()
    text = narrative(total, escape(title_scope))
    gap = Spacer(1, BODY_SIZE / 2)
    return [
        _Title(TITLE),
        Paragraph(f"填报单位：{escape(department)}", s["flush"]),
        Paragraph(f"清审批次：{escape(campaign)}", s["flush"]),
        Paragraph(f"统计范围：{escape(title_scope)}", s["flush"]),
        Paragraph(f"填报日期：{format_date(issue_date)}", s["flush"]),
        Spacer(1, BODY_SIZE / 2),
        *_section("一、基本情况", [Paragraph(text["基本情况"], s["body"]), gap,
                                   _results_table(rows, total, area_label)]),
        *_section("二、清洁生产方案", [Paragraph(text["清洁生产方案"], s["body"]), gap,
                                       _options_table(rows, total, area_label)]),
        *_section("三、效益", [Paragraph(text["效益"], s["body"]), gap, _benefits_table(rows, total, area_label)]),
        Spacer(1, BODY_SIZE / 2),
        Paragraph(escape(TABLE_NOTE), c["left"]),
    ]


def render_summary(title_scope: str, campaign: str, rows: list[SummaryRow], total: SummaryRow, department: str,
                   issue_date: date, area_label: str = "地区") -> bytes:
    """The report as an A4 PDF with the font embedded: `title_scope` the area reported on (e.g. 保定市),
    `campaign` the campaign or batch, `rows` one per area (`area_label` heads their column) and `total`."""
    return build_pdf(lambda: _story(title_scope, campaign, rows, total, department, issue_date, area_label),
                     title=TITLE, subject=f"{title_scope} {campaign}", author=department)
