"""Previews of uploaded scans and photos in the page (issue 14: they could only be downloaded).

Images are shown as stored (they were decoded and re-encoded at upload, core.file_images). A PDF's
first pages are rendered to PNG with PDFium: a reviewer sees what the file holds without opening
a PDF reader, and no PDF ever reaches the browser's own viewer (its scripts, forms and links stay
out of the page; uploads were checked for active content too).
"""

from __future__ import annotations

import io

from core.workflow_models import Attachment

PREVIEW_KINDS = ("pdf", "jpg", "png")
MAX_PAGES = 3  # a preview, not a reader: the download has the rest
WIDTH = 1000  # pixels of a rendered page


def can_preview(item: Attachment) -> bool:
    return item.kind in PREVIEW_KINDS


def page_count(data: bytes) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


def render(kind: str, data: bytes, max_pages: int = MAX_PAGES) -> list[bytes]:
    """PNG (or the stored JPEG) images of the file: the image itself, or a PDF's first pages."""
    if kind in ("jpg", "png"):
        return [data]
    if kind != "pdf":
        return []
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        images = []
        for index in range(min(len(document), max_pages)):
            page = document[index]
            scale = min(WIDTH / max(page.get_width(), 1.0), 3.0)
            bitmap = page.render(scale=scale)
            out = io.BytesIO()
            bitmap.to_pil().save(out, format="PNG", optimize=True)
            images.append(out.getvalue())
            bitmap.close()
            page.close()
        return images
    finally:
        document.close()

