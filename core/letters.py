"""The 强制性清洁生产审核事项告知书 (notice letter) as PDF, one by one or in batches.

The wording follows the province's template (seed 001, 附件 3) with the enterprise's data put in.
Chinese text is drawn with WenQuanYi Zen Hei, embedded in every PDF, so that a letter prints and
reads the same on any machine. The initial password appears only in the letter.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import PurePath
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
)

from core import pdf_font
from core.pdf_font import FONT_NAME

TITLE = "河北省强制性清洁生产审核事项告知书"
BODY_SIZE = 12
MARGIN = 2.5 * cm


@dataclass(frozen=True)
class LetterData:
    letter_number: str
    enterprise_name: str
    basis: str
    campaign: str
    register_due: date
    plan_due: date
    evaluation_due: date
    acceptance_apply_due: date
    acceptance_due: date
    account: str
    initial_password: str
    department_name: str
    issue_date: date
    system_url: str = "http://hbepb.hebei.gov.cn/hbhjt/sjzx/"


def format_date(d: date) -> str:
    """2021 年 10 月 30 日, as the template writes dates."""
    return f"{d.year} 年 {d.month} 月 {d.day} 日"


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT_NAME, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.6,
                          wordWrap="CJK", alignment=TA_LEFT, firstLineIndent=2 * BODY_SIZE,
                          spaceAfter=2)
    return {
        "body": base,
        "flush": ParagraphStyle("flush", base, firstLineIndent=0),
        "number": ParagraphStyle("number", base, firstLineIndent=0, alignment=TA_RIGHT,
                                 spaceAfter=BODY_SIZE),
        "sign": ParagraphStyle("sign", base, firstLineIndent=0, alignment=TA_CENTER, spaceAfter=0),
    }


class _Title(Flowable):
    """The title, centred, larger and bold (the font has no bold face: filled and stroked)."""

    def __init__(self, text: str, size: float = 18):
        super().__init__()
        self.text, self.size = text, size

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        return avail_width, self.size * 2.2

    def draw(self):
        canvas = self.canv
        text_width = pdfmetrics.stringWidth(self.text, FONT_NAME, self.size)
        canvas.setLineWidth(self.size / 30)
        text = canvas.beginText((self.width - text_width) / 2, self.size * 0.8)
        text.setTextRenderMode(2)
        text.setFont(FONT_NAME, self.size)
        text.textOut(self.text)
        canvas.drawText(text)


def _page_number(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(FONT_NAME, 10)
    canvas.drawCentredString(A4[0] / 2, MARGIN / 2, f"— {doc.page} —")
    canvas.restoreState()


def _story(data: LetterData) -> list[Flowable]:
    s = _styles()
    e = escape
    url = e(data.system_url, {"\"": "&quot;"})
    paragraphs = [
        (f"1. {format_date(data.register_due)}前，登录河北省强制性清洁生产审核管理系统，填报相关内容；"
         "自行开展或委托咨询服务机构开展清洁生产审核。"),
        (f"2. {format_date(data.register_due)}前，在当地主要媒体、企业官方网站或采取其他便于公众知晓的方式"
         "依法公布企业清洁生产审核的相关信息。"),
        (f"3. {format_date(data.plan_due)}前完成本轮清洁生产方案的制定，在系统内填报提交相关内容，"
         f"并向所在地生态环境部门提出评估申请。{format_date(data.evaluation_due)}前完成生态环境部门组织的评估工作。"),
        (f"4. {format_date(data.acceptance_apply_due)}前完成清洁生产审核方案的实施，在系统内填报提交相关内容，"
         f"并向所在地生态环境部门提出验收申请。{format_date(data.acceptance_due)}前完成生态环境部门组织的审核验收。"),
    ]
    others = [
        ("1. 企业开展强制性清洁生产审核期间，需按照管理系统相关要求提交审核过程资料、清洁生产审核报告、"
         "清洁生产审核验收报告等材料，并在管理系统中获取评估意见和验收意见等信息。"),
        ("2. 对于列入强制性清洁生产审核名单的企业，未按照要求公布能源消耗或者重大污染物产生、排放情况的，"
         "由县级以上地方人民政府负责清洁生产综合协调的部门、环境保护部门按照职责分工责令公布，"
         "可以处十万元以下的罚款。"),
        ("3. 对于列入强制性清洁生产审核名单的企业，不实施强制性清洁生产审核或者在清洁生产审核中弄虚作假的，"
         "或者实施强制性清洁生产审核的企业不报告或者不如实报告审核结果的，由县级以上生态环境主管部门按照"
         "职责分工责令限期改正；拒不改正的，处以五万元以上五十万元以下的罚款。"),
        ("4. 企业委托的咨询服务机构不按照规定内容、程序进行清洁生产审核，弄虚作假、提供虚假审核报告的，"
         "由省生态环境厅责令其改正，并公布其名单。造成严重后果的，追究其法律责任。"),
        ("5. 河北省生态环境厅将强化企业清洁生产审核成果应用，将实施强制性清洁生产审核企业的对标情况、"
         "审核结果和因停产未开展清洁生产的企业名单分别移交排污许可部门和生态环境执法部门，"
         "纳入排污许可证“环境管理事项”，同时作为环境执法重要依据。"),
        (f"6. 河北省强制性清洁生产审核管理系统，通过河北省生态环境厅（<link href=\"{url}\">{url}</link>）"
         "页面底部“应用系统”，打开“河北省强制性清洁生产审核管理系统”；"
         f"登录账户：{e(data.account)}；初始密码为：{e(data.initial_password)}，"
         "首次登录务必完成密码修改，请妥善保管密码，保护账户安全，防止信息被窃取。"),
    ]
    story: list[Flowable] = [
        _Title(TITLE),
        Paragraph(f"编号：{e(data.letter_number)}", s["number"]),
        Paragraph(f"{e(data.enterprise_name)}：", s["flush"]),
        Paragraph(f"根据{e(data.basis)}，你公司列入{e(data.campaign)}，现正式通知你公司开展强制性清洁生产"
                  "审核工作，并做好以下工作：", s["body"]),
        *(Paragraph(p, s["body"]) for p in paragraphs),
        Paragraph("其他告知事项：", s["body"]),
        *(Paragraph(p, s["body"]) for p in others),
    ]
    # Signature block at the right, the date centred under the department's name, room above for
    # the seal; the closing line stays on the page of the signature.
    signer = f"{data.department_name}（章）"
    width = max(pdfmetrics.stringWidth(signer, FONT_NAME, BODY_SIZE), 9 * BODY_SIZE) + 3 * BODY_SIZE
    signature = Table([[Paragraph(e(signer), s["sign"])],
                       [Paragraph(format_date(data.issue_date), s["sign"])]],
                      colWidths=[min(width, A4[0] - 2 * MARGIN - 12)], hAlign="RIGHT",
                      style=[("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 2 * BODY_SIZE)])
    story.append(KeepTogether([Paragraph("特此告知。", s["body"]), Spacer(1, BODY_SIZE * 3), signature]))
    return story


def build_pdf(story: Callable[[], list[Flowable]], *, title: str, subject: str, author: str,
              primer: str = "") -> bytes:
    """An A4 document of the system (margins, page numbers, embedded Chinese font, metadata).

    primer: the text this kind of document always contains (see core.pdf_font); faster in batches.
    """
    pdf_font.font()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN, title=title, subject=subject,
                            author=author, creator="河北省强制性清洁生产审核管理系统")
    with pdf_font.lock, pdf_font.primed(primer):
        doc.build(story(), onFirstPage=_page_number, onLaterPages=_page_number)
    return buffer.getvalue()


def _text_of(flowables: Iterable) -> Iterator[str]:
    for flowable in flowables:
        if isinstance(flowable, (Paragraph, _Title)):
            yield flowable.text
        elif isinstance(flowable, KeepTogether):
            yield from _text_of(flowable._content)
        elif isinstance(flowable, Table):
            yield from _text_of(cell for row in flowable._cellvalues for cell in row)


def _primer(data: LetterData) -> str:
    """What every letter of a batch shares: the template, the campaign, its dates, the department."""
    pdf_font.font()  # the paragraphs look their font up
    shared = replace(data, letter_number="", enterprise_name="", account="", initial_password="")
    return "— " + "".join(_text_of(_story(shared)))


def render_letter(data: LetterData) -> bytes:
    """One letter as an A4 PDF (one or two pages) with the font embedded."""
    return build_pdf(lambda: _story(data), title=TITLE, subject=f"{data.enterprise_name} 编号 {data.letter_number}",
                     author=data.department_name, primer=_primer(data))


_UNSAFE = re.compile(r'[\\/:*?"<>|]')


def _safe(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = "".join("_" if unicodedata.category(c).startswith("C") else c for c in text)
    return re.sub(r"\s+", " ", _UNSAFE.sub("_", text)).strip(" .")


def letter_filename(data: LetterData) -> str:
    """告知书_<编号>_<企业名称>.pdf, safe as a file and ZIP member name (no separators, no controls)."""
    name = f"告知书_{_safe(data.letter_number)}_{_safe(data.enterprise_name)}"
    return name[:190] + ".pdf"


def render_letters(items: Iterable[LetterData],
                   progress: Callable[[int, int], None] | None = None) -> list[tuple[str, bytes]]:
    """(filename, pdf) for every letter; progress(done, total) after each one."""
    items = list(items)
    letters = []
    for done, data in enumerate(items, start=1):
        letters.append((letter_filename(data), render_letter(data)))
        if progress is not None:
            progress(done, len(items))
    return letters


def _unique(names: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for name in names:
        candidate, n = name, 1
        while candidate.casefold() in seen:  # casefold: unzipping on Windows/macOS must not clash
            n += 1
            path = PurePath(name)
            candidate = f"{path.stem}({n}){path.suffix}"
        seen.add(candidate.casefold())
        unique.append(candidate)
    return unique


def letters_zip(letters: list[tuple[str, bytes]]) -> bytes:
    """A ZIP of the letters, with UTF-8 (Chinese) member names; repeated names get (2), (3)…"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, (_, pdf) in zip(_unique(n for n, _ in letters), letters, strict=True):
            archive.writestr(name, pdf)  # non-ASCII names are stored with the UTF-8 flag
    return buffer.getvalue()


def merged_pdf(letters: list[tuple[str, bytes]]) -> bytes:
    """All letters in one PDF for printing; each starts on a new page, with an outline entry."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for name, pdf in letters:
        writer.append(PdfReader(io.BytesIO(pdf)), outline_item=PurePath(name).stem)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
