"""Previews of uploaded files: images as stored, a PDF's first pages drawn as PNG."""

from __future__ import annotations

import io

from PIL import Image

from core import previews
from tests.support.roster import pdf_bytes, png_bytes


def sizes(images: list[bytes]) -> list[tuple[int, int]]:
    return [Image.open(io.BytesIO(i)).size for i in images]


def test_a_pdf_shows_its_first_pages_drawn_at_the_preview_width():
    assert previews.page_count(pdf_bytes(5)) == 5
    drawn = previews.render("pdf", pdf_bytes(5))
    assert len(drawn) == previews.MAX_PAGES
    assert all(i.startswith(b"\x89PNG") for i in drawn)
    width, height = sizes(drawn)[0]
    assert width == previews.WIDTH and height > width  # A4 portrait
    assert len(previews.render("pdf", pdf_bytes(2))) == 2


def test_images_are_shown_as_stored_and_office_files_not_at_all():
    image = png_bytes()
    assert previews.render("png", image) == [image]
    assert previews.render("docx", b"PK...") == []
