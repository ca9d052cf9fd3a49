"""Stamped 告知书 scans uploaded together: matching by the number in the file name, then the batch upload."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import letter_scans, notice
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.letter_scans import LetterRef, ScanStatus, match_scans, numbers_in
from core.models import AuditLogEntry
from core.notice_models import NoticeLetter
from tests.support.roster import LIANCHI, QINGYUAN, ZHUOZHOU, pdf_bytes, png_bytes, user
from tests.unit.test_notice import cascade_to_counties, the_part

COUNTY = "130681"
PDF = pdf_bytes()
A = LetterRef(1, "202613068100001", "涿州市飞耀金属制品有限公司", True)
B = LetterRef(2, "202613068100002", "涿州迅利达创新科技发展有限公司", True, scan_name="旧扫描件.pdf")
# 10 000 letters later the sequence has six digits: the 10 000th's number is a prefix of the 100 001st's
SHORT = LetterRef(3, "202613068110000", "涿州短号企业", True)
LONG = LetterRef(4, "2026130681100001", "涿州长号企业", True)
NOT_ISSUED = LetterRef(5, "202613068100005", "涿州未生成企业", False)
LETTERS = [A, B, SHORT, LONG, NOT_ISSUED]


def one(name: str, data: bytes = PDF, letters=LETTERS):
    [found] = match_scans([(name, data)], letters, COUNTY)
    return found


@pytest.mark.parametrize("name", ["告知书_202613068100001_涿州市飞耀金属制品有限公司.pdf", "202613068100001.PDF",
                                  "盖章 ２０２６１３０６８１００００１（扫描）.pdf", "第1页-202613068100001-2026.pdf"])
def test_a_file_is_matched_by_the_number_in_its_name(name):
    found = one(name)
    assert found.status is ScanStatus.MATCHED and found.letter == A and found.reason == ""


def test_a_number_that_is_a_prefix_of_another_matches_only_itself():
    assert one("告知书_202613068110000.pdf").letter == SHORT
    assert one("告知书_2026130681100001.pdf").letter == LONG
    # a longer run is not the shorter number it starts with, nor one number followed by more digits
    found = one("告知书_2026130681100002.pdf")
    assert found.status is ScanStatus.UNMATCHED and "没有编号为 2026130681100002" in found.reason
    assert one("2026130681000011.pdf").status is ScanStatus.UNMATCHED


def test_two_numbers_in_one_name_are_not_guessed_at():
    found = one("202613068100001_202613068100002.pdf")
    assert found.status is ScanStatus.UNMATCHED and found.letter is None
    assert "多个告知书编号（202613068100001、202613068100002）" in found.reason
    assert one("202613068100001_202613068100001_副本.pdf").letter == A  # the same number twice is one


def test_unknown_numbers_other_counties_and_names_without_a_number():
    assert "本任务中没有编号为 202613068199999" in one("202613068199999.pdf").reason
    other = one("告知书_202613060800001_保定玖福食品有限公司.pdf")
    assert other.status is ScanStatus.UNMATCHED and "202613060800001 不是本县的告知书编号" in other.reason
    nothing = one("盖章扫描件（1）.pdf")
    assert nothing.status is ScanStatus.UNMATCHED and "文件名中没有告知书编号" in nothing.reason
    assert numbers_in("企业123_2026130681000012.pdf") == ["2026130681000012"]


def test_the_same_letter_twice_is_a_duplicate_for_both_files():
    found = match_scans([("202613068100001.pdf", PDF), ("202613068100002.png", png_bytes()),
                         ("202613068100001（重扫）.pdf", PDF)], LETTERS, COUNTY)
    assert [m.status for m in found] == [ScanStatus.DUPLICATE, ScanStatus.MATCHED, ScanStatus.DUPLICATE]
    assert found[0].letter == found[2].letter == A and "请只保留一个文件" in found[2].reason
    assert found[1].reason == "将替换已上传的“旧扫描件.pdf”"


def test_files_of_the_wrong_format_and_letters_not_yet_issued():
    assert one("202613068100001.docx").status is ScanStatus.BAD_FORMAT
    assert "扩展名与内容不符" in one("202613068100001.jpg", PDF).reason
    assert "不是 PDF、JPG 或 PNG" in one("202613068100001.pdf", b"MZ\x90\x00" * 10).reason
    assert one("202613068100001.pdf", b"").reason == "文件是空的"
    found = one("202613068100005.pdf")
    assert found.status is ScanStatus.UNMATCHED and "尚未生成" in found.reason
    # a bad file does not make a good one for the same letter a duplicate
    bad, good = match_scans([("202613068100001.pdf", b"junk"), ("202613068100001.png", png_bytes())], LETTERS, COUNTY)
    assert (bad.status, good.status) == (ScanStatus.BAD_FORMAT, ScanStatus.MATCHED)


def _zhuozhou(s):
    county = the_part(s, cascade_to_counties(s), ZHUOZHOU)
    notice.issue_letters(s, user(s, ZHUOZHOU), county.id)
    return county, notice.letters_in(s, county)


def test_the_batch_attaches_every_matched_scan_and_names_the_others(uow):
    with uow() as s:
        county, (first, second) = _zhuozhou(s)
        notice.upload_stamped(s, user(s, ZHUOZHOU), first.id, "旧.pdf", PDF)
        versions = {x.id: x.version for x in (first, second)}
        result = letter_scans.upload_batch(s, user(s, ZHUOZHOU), county.id, [
            (f"告知书_{first.letter_number}.pdf", PDF), (f"{second.letter_number}.png", png_bytes()),
            ("说明.pdf", PDF), (f"{second.letter_number}.docx", PDF)], versions)
        assert len(result.accepted) == 2 and len(result.refused) == 2
        assert "“说明.pdf”：未匹配，文件名中没有告知书编号" in result.refusal()
        assert f"“{second.letter_number}.docx”：格式不符" in result.refusal()
        scans = notice.stamped_scans(s, [first.id, second.id])
        assert scans[first.id].original_name == f"告知书_{first.letter_number}.pdf"  # replaced
        assert scans[second.id].kind == "png"
        assert s.get(NoticeLetter, first.id).version > versions[first.id]
        logged = s.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "notice.stamped_batch")).all()
        assert [e.after["letters"] for e in logged] == [[first.letter_number, second.letter_number]]
        notice.dispatch(s, user(s, ZHUOZHOU), county.id, county.version, agreed=True)


def test_a_file_failing_its_full_check_is_refused_and_nothing_else_is_lost(uow):
    with uow() as s:
        county, (first, second) = _zhuozhou(s)
        uploads = [(f"{first.letter_number}.pdf", PDF), (f"{second.letter_number}.pdf", pdf_bytes()[:-40])]
        checked = letter_scans.check(letter_scans.preview(s, user(s, ZHUOZHOU), county.id, uploads), uploads)
        assert [x.letter_id for x in checked.accepted] == [first.id]
        assert "不完整" in checked.refusal() and f"{second.letter_number}.pdf" in checked.refusal()
        assert letter_scans.record(s, user(s, ZHUOZHOU), county.id, checked, {}) == 1
        with pytest.raises(ValidationError, match="没有可上传的盖章告知书"):
            letter_scans.upload_batch(s, user(s, ZHUOZHOU), county.id, [("无编号.pdf", PDF)])


def test_a_letter_changed_since_the_preview_refuses_the_whole_batch(uow):
    with uow() as s:
        county, (first, second) = _zhuozhou(s)
        uploads = [(f"{first.letter_number}.pdf", PDF), (f"{second.letter_number}.pdf", PDF)]
        checked = letter_scans.check(letter_scans.preview(s, user(s, ZHUOZHOU), county.id, uploads), uploads)
        seen = {first.id: first.version, second.id: second.version}
        notice.upload_stamped(s, user(s, ZHUOZHOU), second.id, "同事上传.pdf", PDF)  # a colleague, meanwhile
        with pytest.raises(RuleViolation, match=f"告知书“{second.letter_number}”的盖章版已被本部门其他用户更新"):
            letter_scans.record(s, user(s, ZHUOZHOU), county.id, checked, seen)


def test_only_the_county_itself_and_only_before_dispatch(uow):
    with uow() as s:
        county, (first, _second) = _zhuozhou(s)
        uploads = [(f"{first.letter_number}.pdf", PDF)]
        with pytest.raises(PermissionDenied):
            letter_scans.preview(s, user(s, LIANCHI), county.id, uploads)
        qingyuan = the_part(s, county.notice_id, QINGYUAN)
        # 清苑's own preview does not see 涿州's letters
        [found] = letter_scans.preview(s, user(s, QINGYUAN), qingyuan.id, uploads)
        assert found.status is ScanStatus.UNMATCHED and "不是本县的告知书编号" in found.reason
        # a checked scan of 涿州's letter cannot be recorded through 清苑's part
        checked = letter_scans.check(letter_scans.preview(s, user(s, ZHUOZHOU), county.id, uploads), uploads)
        with pytest.raises(PermissionDenied, match="本县企业"):
            letter_scans.record(s, user(s, QINGYUAN), qingyuan.id, checked, {})
        letter_scans.record(s, user(s, ZHUOZHOU), county.id, checked, {})
        notice.upload_stamped(s, user(s, ZHUOZHOU), _second.id, "2.pdf", PDF)
        notice.dispatch(s, user(s, ZHUOZHOU), county.id, county.version, agreed=True)
        with pytest.raises(RuleViolation, match="任务已下发"):
            letter_scans.upload_batch(s, user(s, ZHUOZHOU), county.id, uploads)
