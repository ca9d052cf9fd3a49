"""core.letter_desk: the county's 告知书 step reads every letter's key facts as tuples and its table a page
at a time; both say what the letters and their scans say."""

from __future__ import annotations

from core import letter_desk, notice
from tests.support.roster import ZHUOZHOU, pdf_bytes, png_bytes, user
from tests.unit.test_notice import cascade_to_counties, the_part


def test_keys_and_pages_follow_issuing_and_scans(uow):
    with uow() as s:
        county = the_part(s, cascade_to_counties(s), ZHUOZHOU)
        zhuozhou = user(s, ZHUOZHOU)
        letters = notice.letters_in(s, county)
        keys = letter_desk.keys(s, county)
        assert [(k.id, k.number, k.enterprise_name, k.generated, k.stamped) for k in keys] == [
            (x.id, x.letter_number, x.enterprise.name, False, False) for x in letters]
        notice.issue_letters(s, zhuozhou, county.id, [letters[1].id])
        notice.upload_stamped(s, zhuozhou, letters[1].id, "盖章.png", png_bytes())
        notice.upload_stamped(s, zhuozhou, letters[1].id, "盖章（更正）.pdf", pdf_bytes())  # the current one
        keys = letter_desk.keys(s, county)
        assert [(k.generated, k.stamped) for k in keys] == [(False, False), (True, True)]
        assert [k.version for k in keys] == [x.version for x in notice.letters_in(s, county)]
        first, second = letter_desk.page(s, county, limit=1), letter_desk.page(s, county, offset=1, limit=1)
        assert [r["number"] for r in first + second] == [x.letter_number for x in letters]
        assert (first[0]["scan_name"], first[0]["generated_at"]) == (None, None)
        assert (second[0]["scan_name"], second[0]["generation_count"]) == ("盖章（更正）.pdf", 1)
