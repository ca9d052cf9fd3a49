"""Notice letters (告知书) as PDF: wording read back, safe names, ZIP, merged PDF, font, picture."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import zipfile
from datetime import date

import pytest
from PIL import Image
from pypdf import PdfReader

from core import pdf_font
from core.files import check_filename, check_upload
from core.letters import (
    LetterData,
    format_date,
    letter_filename,
    letters_zip,
    merged_pdf,
    render_letter,
    render_letters,
)

SAMPLE = LetterData(
    letter_number="202113068100001",
    enterprise_name="涿州市清源化工有限公司",
    basis="《白洋淀生态环境综合治理方案（2020—2022 年）》对白洋淀流域涉水行业企业 2022 年全部达到"
          "清洁化生产水平的工作要求",
    campaign="2021 年第二批白洋淀流域涉水企业清洁生产审核名单",
    register_due=date(2021, 10, 30),
    plan_due=date(2022, 3, 1),
    evaluation_due=date(2022, 3, 31),
    acceptance_apply_due=date(2022, 6, 1),
    acceptance_due=date(2022, 6, 30),
    account="QY1306810001",
    initial_password="Xk7#pQ2m&Lr9",
    department_name="保定市生态环境局涿州市分局",
    issue_date=date(2021, 10, 8),
)


def _letter(i: int, **changes) -> LetterData:
    values = {"letter_number": f"2021130681{i:05d}", "enterprise_name": f"涿州市第{i}化工有限公司",
              "account": f"QY13068{i:05d}"}
    return dataclasses.replace(SAMPLE, **(values | changes))


def _text(pdf: bytes) -> str:
    """All pages' text with whitespace removed (lines wrap anywhere in Chinese)."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_letter_reads_back_with_the_enterprise_data_and_dates():
    pdf = render_letter(SAMPLE)
    text = _text(pdf)
    assert 1 <= len(PdfReader(io.BytesIO(pdf)).pages) <= 2
    for value in ("河北省强制性清洁生产审核事项告知书", "编号：202113068100001", "涿州市清源化工有限公司：",
                  SAMPLE.account, SAMPLE.initial_password, "保定市生态环境局涿州市分局（章）",
                  SAMPLE.basis, SAMPLE.campaign, SAMPLE.system_url, "特此告知。"):
        assert _compact(value) in text, value
    for field in ("register_due", "plan_due", "evaluation_due", "acceptance_apply_due", "acceptance_due",
                  "issue_date"):
        assert _compact(format_date(getattr(SAMPLE, field))) in text, field
    assert format_date(date(2021, 10, 30)) == "2021 年 10 月 30 日"
    assert "初始密码为：Xk7#pQ2m&Lr9" in text  # markup characters are escaped, not swallowed


def test_letters_of_a_batch_reuse_the_font_subsets_of_their_shared_text():
    """core.pdf_font: the second letter of a batch builds one subset (its own characters), and reads
    back whole, its name included; a document built without a primer afterwards is not primed."""
    first = dataclasses.replace(SAMPLE, enterprise_name="甲乙丙丁戊己庚辛有限公司")
    second = dataclasses.replace(SAMPLE, enterprise_name="子丑寅卯辰巳午未有限公司", letter_number="202113068100002")
    render_letter(first)
    kept = set(pdf_font.font()._subsets)
    pdf = render_letter(second)
    assert len(set(pdf_font.font()._subsets) - kept) == 1
    text = _text(pdf)
    for value in ("子丑寅卯辰巳午未有限公司：", "编号：202113068100002", SAMPLE.initial_password, SAMPLE.campaign,
                  "保定市生态环境局涿州市分局（章）", "特此告知。"):
        assert _compact(value) in text, value
    assert "甲乙丙" not in text
    assert pdf_font.font().primer == ""


def test_every_pdf_is_a_complete_upload():
    single = render_letter(SAMPLE)
    assert check_upload(letter_filename(SAMPLE), single) == (letter_filename(SAMPLE), "pdf")
    batch = render_letters([_letter(1), _letter(2)])
    for name, pdf in batch:
        assert check_upload(name, pdf)[1] == "pdf"
    assert check_upload("告知书合并.pdf", merged_pdf(batch))[1] == "pdf"


def test_filename_is_safe_whatever_the_enterprise_name():
    assert letter_filename(SAMPLE) == "告知书_202113068100001_涿州市清源化工有限公司.pdf"
    data = dataclasses.replace(SAMPLE, enterprise_name="涿州/清源\\化工\n有限公司\x00:*?", letter_number="20/21")
    name = letter_filename(data)
    assert check_filename(name) == name
    assert "/" not in name and "\\" not in name and name.endswith(".pdf")
    assert "涿州_清源_化工" in name
    long = dataclasses.replace(SAMPLE, enterprise_name="长" * 500)
    assert check_filename(letter_filename(long)).endswith(".pdf")


def test_render_letters_reports_progress_after_each():
    calls = []
    result = render_letters((_letter(i) for i in range(3)), progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert [name for name, _ in result] == [letter_filename(_letter(i)) for i in range(3)]
    assert render_letters([]) == []


def test_zip_has_chinese_member_names_and_unique_duplicates():
    batch = render_letters([_letter(1), _letter(2), _letter(3)])
    batch.append(batch[0])  # the same letter twice must not overwrite itself in the ZIP
    with zipfile.ZipFile(io.BytesIO(letters_zip(batch))) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert len(names) == len(set(names)) == 4
        assert names[:3] == [name for name, _ in batch[:3]]
        assert names[3] == "告知书_202113068100001_涿州市第1化工有限公司(2).pdf"
        assert all(info.flag_bits & 0x800 for info in infos)  # UTF-8 names
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in infos)
        assert archive.read(names[1]) == batch[1][1]


def test_merged_pdf_has_every_page_and_letters_start_on_new_pages():
    batch = render_letters([_letter(1), _letter(2, enterprise_name="雄安新区某某制药股份有限公司")])
    counts = [len(PdfReader(io.BytesIO(pdf)).pages) for _, pdf in batch]
    merged = PdfReader(io.BytesIO(merged_pdf(batch)))
    assert len(merged.pages) == sum(counts)
    assert "涿州市第1化工有限公司" in _compact(merged.pages[0].extract_text())
    assert "雄安新区某某制药股份有限公司" in _compact(merged.pages[counts[0]].extract_text())


def test_missing_font_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf_font, "FONT_PATH", tmp_path / "missing.ttc")
    monkeypatch.setattr(pdf_font, "_registered", None)
    with pytest.raises(RuntimeError, match="fonts-wqy-zenhei"):
        render_letter(SAMPLE)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")
def test_letter_renders_to_a_picture_with_text(tmp_path):
    pdf_path = tmp_path / "letter.pdf"
    pdf_path.write_bytes(render_letter(SAMPLE))
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf_path),
                    str(tmp_path / "page")], check=True, timeout=60)
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 0
    with Image.open(png) as image:
        gray = image.convert("L")
        assert gray.width > 600 and gray.height > 900  # A4 at 80 dpi: 661 × 935
        dark = sum(gray.histogram()[:128])
        share = dark / (gray.width * gray.height)
        assert 0.01 < share < 0.3, share  # a page of text: neither blank nor a black block
        # The title is drawn in the top band of the page (embedded font, not empty boxes).
        top = gray.crop((0, 0, gray.width, gray.height // 6))
        assert sum(top.histogram()[:128]) > 500
