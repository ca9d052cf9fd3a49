"""Downloads one after another on one page (issue 14): the work summary's Excel, then its PDF. A download
used to rerun the page, which dropped the other button's file: the PDF clicked after the Excel
downloaded nothing."""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.db import unit_of_work
from core.models import User
from core.passwords import hash_password
from tests.browser.test_enterprise_audit import PASSWORD, go, login
from tests.support.stats import campaign

pytestmark = pytest.mark.browser


def download(page, button: str, tmp_path) -> bytes:
    with page.expect_download() as started:
        page.get_by_role("button", name=button, exact=True).click()
    path = tmp_path / started.value.suggested_filename
    started.value.save_as(path)
    assert started.value.failure() is None
    return path.read_bytes()


def test_the_work_summary_pdf_downloads_after_its_excel(page, tmp_path):
    with unit_of_work() as s:
        campaign(s)
        city = s.scalar(select(User).where(User.login == "130600"))
        city.password_hash, city.must_change_password = hash_password(PASSWORD), False
    login(page, "130600")
    go(page, "工作总结")
    workbook = download(page, "下载工作总结（Excel）", tmp_path)
    assert "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(workbook)).namelist()
    pdf = download(page, "下载工作总结（PDF）", tmp_path)
    assert "工作总结" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace(" ", "")
    workbook_again = download(page, "下载工作总结（Excel）", tmp_path)  # and back again
    assert workbook_again[:2] == b"PK"
