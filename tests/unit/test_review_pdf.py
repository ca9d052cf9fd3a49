"""审核结果 PDF (评估意见 / 验收意见): wording read back, conclusion, experts, long text, names, picture."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from PIL import Image
from pypdf import PdfReader

from core.files import check_filename
from core.letters import format_date
from core.review_pdf import (
    ExpertLine,
    ResultData,
    render_result,
    result_filename,
    result_title,
)

EXPERTS = (
    ExpertLine("张伟", "河北省环境科学研究院", "正高级工程师", 80, "同意通过"),
    ExpertLine("李娜", "河北工业大学化工学院清洁生产研究中心", "教授", 85, "修改完善后通过"),
    ExpertLine("王强", "保定市环境保护技术服务中心", "", 90, "同意通过"),
)

SAMPLE = ResultData(
    kind_label="评估",
    document_number="冀清审评〔2026〕130600-00001",
    enterprise_name="保定市清苑区华北精细化工有限公司",
    credit_code="91130608MA0A1B2C3D",
    county_name="保定市清苑区",
    industry_name="化学原料和化学制品制造业",
    project_number="202613060800001",
    campaign="2026 年第一批河北省强制性清洁生产审核企业名单",
    consultancy="河北绿源环保科技咨询有限公司",
    submitted_on=date(2026, 3, 2),
    site_review_date=date(2026, 3, 20),
    site_findings="专家组现场查看了生产车间和污水处理站。\n能源消耗台账与审核报告数据基本一致。",
    experts=EXPERTS,
    passed=True,
    opinion="该企业清洁生产审核程序规范，审核报告内容完整。\n建议进一步完善能源计量器具配备。",
    department_name="保定市生态环境局",
    issue_date=date(2026, 4, 8),
)


def _pages(pdf: bytes) -> list[str]:
    """Each page's text with whitespace removed (lines wrap anywhere in Chinese)."""
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _text(pdf: bytes) -> str:
    return "".join(_pages(pdf))


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_title_depends_on_the_kind():
    assert result_title("评估") == "清洁生产审核评估意见"
    assert result_title("验收") == "清洁生产审核验收意见"
    with pytest.raises(ValueError):
        result_title("备案")


def test_passed_result_reads_back_with_every_value():
    pdf = render_result(SAMPLE)
    text = _text(pdf)
    for value in ("清洁生产审核评估意见", SAMPLE.document_number, SAMPLE.enterprise_name, SAMPLE.credit_code,
                  SAMPLE.county_name, SAMPLE.industry_name, SAMPLE.project_number, SAMPLE.campaign,
                  SAMPLE.consultancy, format_date(SAMPLE.submitted_on), format_date(SAMPLE.site_review_date),
                  "一、专家组意见", "二、现场审核情况", "三、审核结论",
                  "专家组现场查看了生产车间和污水处理站。", "能源消耗台账与审核报告数据基本一致。",
                  "经审核，该企业清洁生产审核评估：通过", "建议进一步完善能源计量器具配备。",
                  "保定市生态环境局（章）", format_date(SAMPLE.issue_date)):
        assert _compact(value) in text, value
    assert "不通过" not in text
    for expert, score in zip(EXPERTS, ("80.0", "85.0", "90.0"), strict=True):
        assert expert.name in text and expert.organisation in text and score in text
    row = text[text.index("张伟"):]
    assert row.index("80.0") < row.index("李娜") < row.index("85.0") < row.index("王强") < row.index("90.0")
    assert "专家平均评分：85.0分" in text  # (80 + 85 + 90) / 3
    info = PdfReader(io.BytesIO(pdf)).metadata
    assert info.title == "清洁生产审核评估意见"
    assert info.author == "保定市生态环境局"
    assert SAMPLE.document_number in info.subject


def test_not_passed_acceptance_says_so():
    data = dataclasses.replace(SAMPLE, kind_label="验收", passed=False,
                               document_number="冀清审验〔2026〕130600-00002")
    text = _text(render_result(data))
    assert "清洁生产审核验收意见" in text
    assert "经审核，该企业清洁生产审核验收：不通过" in text
    assert "：通过" not in text


def test_average_ignores_experts_without_score_and_is_rounded():
    experts = (*EXPERTS[:2], dataclasses.replace(EXPERTS[2], score=None),
               ExpertLine("赵敏", "河北科技大学", "副教授", 86.5, "同意通过"))
    text = _text(render_result(dataclasses.replace(SAMPLE, experts=experts)))
    assert "专家平均评分：83.8分" in text  # (80 + 85 + 86.5) / 3 = 83.83…
    assert "赵敏" in text and "86.5" in text
    unscored = tuple(dataclasses.replace(x, score=None) for x in EXPERTS)
    assert "专家平均评分" not in _text(render_result(dataclasses.replace(SAMPLE, experts=unscored)))


def test_no_experts_and_no_site_review():
    data = dataclasses.replace(SAMPLE, experts=(), site_review_date=None, site_findings="",
                               credit_code="", industry_name="")
    text = _text(render_result(data))
    section = text[text.index("一、专家组意见"):text.index("二、现场审核情况")]
    assert section == "一、专家组意见无"
    assert "专家平均评分" not in text and "序号" not in text
    assert "现场审核日期：未记录" in text and "现场审核情况：未记录" in text
    assert "经审核，该企业清洁生产审核评估：通过" in text


def test_long_opinion_runs_over_pages_and_keeps_its_end():
    sentence = "企业应持续推进清洁生产方案实施，强化节能降耗和污染物减排管理。"  # 31 characters
    body = sentence * (6000 // len(sentence))
    opinion = "\n".join(body[i:i + 500] for i in range(0, len(body), 500)) + "\n以上意见请企业认真落实。"
    assert len(opinion) >= 6000
    pages = _pages(render_result(dataclasses.replace(SAMPLE, opinion=opinion)))
    assert len(pages) >= 2
    assert "以上意见请企业认真落实。" in "".join(pages)
    assert "保定市生态环境局（章）" in pages[-1]
    assert _compact(format_date(SAMPLE.issue_date)) in pages[-1]
    one_paragraph = _pages(render_result(dataclasses.replace(SAMPLE, opinion=body + "完。")))
    assert len(one_paragraph) >= 2 and "完。" in "".join(one_paragraph)


def test_markup_characters_are_printed_literally():
    # Real ReportLab markup (<b>, <br/>, &amp;) in user text must be shown as typed, not obeyed.
    data = dataclasses.replace(SAMPLE, enterprise_name="华北<b>精细</b>化工 & 研发 &lt;有限公司",
                               campaign="第一批<br/>名单",
                               opinion="COD < 50 mg/L & 氨氮 > 5 mg/L 时，应加强<b>监测</b>。",
                               experts=(ExpertLine("张<i>伟</i>", "A&amp;B 研究院", "", 88, "同意通过"),),
                               site_findings="车间 <1> & <br/> 已核实")
    text = _text(render_result(data))
    assert "华北<b>精细</b>化工&研发&lt;有限公司" in text
    assert "第一批<br/>名单" in text
    assert "COD<50mg/L&氨氮>5mg/L时，应加强<b>监测</b>。" in text
    assert "张<i>伟</i>" in text and "A&amp;B研究院" in text and "车间<1>&<br/>已核实" in text


def test_filename_is_safe_whatever_the_names():
    assert result_filename(SAMPLE) == "评估意见_冀清审评〔2026〕130600-00001_保定市清苑区华北精细化工有限公司.pdf"
    data = dataclasses.replace(SAMPLE, kind_label="验收", enterprise_name="清苑/华北\\化工:<有限>公司\n*?|\x00",
                               document_number='冀清审验"2026"/01')
    name = result_filename(data)
    assert check_filename(name) == name
    assert name.startswith("验收意见_") and name.endswith(".pdf")
    assert not set('/\\:*?"<>|\n\x00') & set(name)
    assert "清苑_华北_化工" in name
    assert check_filename(result_filename(dataclasses.replace(SAMPLE, enterprise_name="长" * 500))).endswith(".pdf")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")
def test_result_renders_to_a_picture_with_text(tmp_path):
    pdf_path = tmp_path / "result.pdf"
    pdf_path.write_bytes(render_result(SAMPLE))
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf_path), str(tmp_path / "page")],
                   check=True, timeout=60)
    png = next(tmp_path.glob("page*.png"))
    with Image.open(png) as image:
        gray = image.convert("L")
        assert gray.width > 450 and gray.height > 650  # A4 at 60 dpi: 496 × 702
        share = sum(gray.histogram()[:128]) / (gray.width * gray.height)
        assert 0.01 < share < 0.3, share  # text and grid lines: neither blank nor a black block
        top = gray.crop((0, 0, gray.width, gray.height // 6))  # the title, drawn with the embedded font
        assert sum(top.histogram()[:128]) > 300


def _panel(n: int) -> tuple[ExpertLine, ...]:
    return tuple(ExpertLine(f"专家{i}", "河北省环境科学研究院清洁生产与循环经济研究中心", "正高级工程师", 80 + i,
                            "修改完善后通过") for i in range(1, n + 1))


LAST_WORDS = "以上意见请企业认真落实。"


def _seal_page(pdf: bytes) -> str:
    """The page that carries the seal line, checked to carry the date with it."""
    [page] = [p for p in _pages(pdf) if "保定市生态环境局（章）" in p]
    assert _compact(format_date(SAMPLE.issue_date)) in page
    return page


@pytest.mark.parametrize("experts", [3, 5, 9])
def test_the_seal_and_date_stay_on_the_page_of_the_text_they_end(experts):
    # Opinions growing a few characters at a time move the end of the text across the whole first and
    # second page, so that every place the page can break before the seal is met.
    sentence = "企业应持续推进清洁生产方案实施，强化节能降耗和污染物减排管理。"
    seen_pages = set()
    for length in range(0, 1800, 37):  # about a line at a time
        opinion = (sentence * 60)[:length] + LAST_WORDS
        pdf = render_result(dataclasses.replace(SAMPLE, experts=_panel(experts), opinion=opinion))
        seen_pages.add(len(_pages(pdf)))
        assert LAST_WORDS in _seal_page(pdf), (experts, length)
    assert {1, 2} <= seen_pages or {2, 3} <= seen_pages  # the sweep did cross a page end


@pytest.mark.parametrize("paragraphs", [1, 3, 12, 40])
def test_a_long_opinion_keeps_its_last_lines_with_the_seal(paragraphs):
    # Long paragraphs are split rather than moved whole, so no half-empty page is left before the seal.
    sentence = "专家组认为企业审核报告数据翔实，方案可行，但应补充能源计量器具配备及其校验记录。"
    lines = [f"{i}. " + sentence * (1 + i % 5) for i in range(1, paragraphs + 1)]
    for extra in range(0, 400, 60):
        opinion = "\n".join(lines) + "\n" + sentence * 3 + "补" * extra + LAST_WORDS
        pdf = render_result(dataclasses.replace(SAMPLE, experts=_panel(5), opinion=opinion))
        assert LAST_WORDS in _seal_page(pdf)
        [page] = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages if "（章）" in p.extract_text()]
        text_lines = page[:page.index("（章）")].splitlines()[1:-1]  # less the page number and the seal line
        assert len(text_lines) >= 2, (paragraphs, extra, page)  # the paragraph's last two lines at least


def test_without_an_opinion_the_conclusion_line_goes_with_the_seal():
    for experts in range(3, 12):
        pdf = render_result(dataclasses.replace(SAMPLE, experts=_panel(experts), opinion=""))
        assert "经审核，该企业清洁生产审核评估：通过" in _seal_page(pdf), experts
