"""Issue 12, findings 9 and 10: no hostile upload or import gets through; ordinary files still do."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core import expert_import, files
from core.errors import ValidationError
from core.roster_import import preview
from tests.security.good_files import GOOD_UPLOADS
from tests.security.hostile_files import IMAGE_CASES, IMPORTS, OFFICE_CASES, PDF_CASES, UPLOADS
from tests.security.make_images import jpeg
from tests.support.roster import CITY, user

ALL_KINDS = files.DOCUMENT_KINDS


@pytest.fixture(autouse=True)
def _upload_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("QJSC_UPLOAD_DIR", str(tmp_path / "uploads"))


def stored_files() -> list:
    folder = files.upload_dir()
    return [p for p in folder.rglob("*") if p.is_file() and p.name != ".lock"] if folder.exists() else []


def test_the_battery_covers_every_class_with_at_least_sixty_files():
    ids = [c.id for c in UPLOADS] + [c.id for c in IMPORTS]
    assert len(ids) == len(set(ids)) and len(ids) >= 60
    assert len(PDF_CASES) >= 20 and len(IMAGE_CASES) >= 12 and len(OFFICE_CASES) >= 25 and len(IMPORTS) >= 12


@pytest.mark.parametrize("case", UPLOADS, ids=lambda c: c.id)
def test_a_hostile_upload_is_refused_with_a_reason_and_nothing_is_stored(case):
    with pytest.raises(ValidationError) as refused:
        files.store(case.name, case.make(), ALL_KINDS)
    assert case.reason in refused.value.message, refused.value.message
    assert refused.value.field == "file"
    assert stored_files() == []


@pytest.mark.parametrize("case", IMPORTS, ids=lambda c: c.id)
def test_a_hostile_import_is_refused_in_the_preview(case, uow):
    with uow() as session:
        if case.importer == "roster":
            result = preview(session, case.name, case.make())
        else:
            result = expert_import.import_preview(session, user(session, CITY), case.name, case.make())
        message = result.file_error or "；".join(e for r in result.rows for e in r.errors)
        assert not result.ok
        assert case.reason in message, message


@pytest.mark.parametrize("case", GOOD_UPLOADS, ids=lambda c: c.id)
def test_an_ordinary_file_is_accepted(case):
    data = case.make()
    stored = files.store(case.name, data, ALL_KINDS)
    kept = files.read(stored)
    assert stored_files() == [stored.path]
    if stored.kind in ("pdf", "docx", "xlsx"):
        assert kept == data  # a document is kept exactly as signed
        return
    with Image.open(io.BytesIO(kept)) as image, Image.open(io.BytesIO(data)) as original:
        image.load()
        assert image.format == original.format and not image.getexif()
        assert not {"exif", "comment", "xmp", "Comment"} & set(image.info)
        assert sorted(image.size) == sorted(original.size)
    end = b"\xff\xd9" if stored.kind == "jpg" else b"IEND\xaeB`\x82"
    assert kept.endswith(end)  # nothing after the image


def test_a_photo_comes_back_upright_and_without_its_position():
    data = jpeg((64, 32), orientation=6, gps=True)  # stored sideways; the camera says "turn 90° clockwise"
    assert b"PhoneMaker" in data
    kept = files.read(files.store("现场照片.jpg", data))
    assert b"PhoneMaker" not in kept and b"Exif" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert image.size == (32, 64) and not image.getexif().get_ifd(0x8825)
        top, bottom = image.getpixel((16, 4)), image.getpixel((16, 60))
    assert top[2] > 200 > top[0] and bottom[0] > 200 > bottom[2]  # the blue left half is now on top


def test_stored_names_keep_a_safe_character_set_and_the_extension():
    check = files.check_filename
    assert check("盖章告知书（终稿）【2026】〔2号〕.pdf") == "盖章告知书（终稿）【2026】〔2号〕.pdf"
    assert check('<img src=x onerror="alert(1)">.pdf') == "_img src_x onerror__alert(1)__.pdf"
    assert check("..hidden.pdf") == "hidden.pdf" and check("-rf .pdf") == "rf.pdf"
    assert check("a&b;c|d`e$f.PDF") == "a_b_c_d_e_f.PDF"
    assert check("照片\u3000一.jpg") == "照片 一.jpg"
    assert check(".pdf") == "未命名.pdf"
    long = check("长" * 500 + ".pdf")
    assert len(long) == files.MAX_NAME_CHARS and long.endswith(".pdf")
    for bad, message in (("a/b.pdf", "路径分隔符"), ("a\u202eb.pdf", "控制字符"), (" ", "不能为空")):
        with pytest.raises(ValidationError, match=message):
            check(bad)


def test_a_good_list_with_ordinary_symbols_in_names_still_imports(uow):
    from tests.security.make_tables import roster_csv

    with uow() as session:
        result = preview(session, "名单.csv", roster_csv(["保定A+B（涿州）金属制品有限公司", "保定-涿州金属制品@有限公司"]))
        assert result.ok, [r.errors for r in result.rows]
