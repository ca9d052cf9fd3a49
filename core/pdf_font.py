"""The Chinese font of the system's PDFs (WenQuanYi Zen Hei), registered once per process.

reportlab embeds in every PDF the subsets of the font it used (up to 256 glyphs each) and builds each
one from the font file anew: it copies the font's glyph table (megabytes) several times per subset and
compresses the result. For a batch of letters that differ in a name and a number that was a third of
the time. Here the font's tables are read once, subsets are kept by their characters, and a document
can be *primed* with the characters of its fixed text (`primed`): those take the same codes in every
document of the batch, so their subsets come from the cache, and only the last subset, with the
enterprise's own characters, is built. What a reader sees and copies out of the PDF does not change.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
FONT_NAME = "WQY"
SUBSETS_KEPT = 64  # a batch reuses two or three; each is a few hundred KB

lock = threading.Lock()  # reportlab keeps per-document font state; one build at a time


class _SystemFont(TTFont):
    """The TrueType font with its tables read once and its subsets kept between documents."""

    def __init__(self, name: str, path: str):
        super().__init__(name, path, subfontIndex=0)
        self.primer = ""
        self._subsets: OrderedDict[tuple[int, ...], list[bytes]] = OrderedDict()
        face = self.face
        face.get_table = cache(face.get_table)  # the tables are immutable bytes sliced from the file
        make_subset, add_subset_objects = face.makeSubset, face.addSubsetObjects

        def subset_bytes(subset: list[int]) -> list[bytes]:
            key = tuple(subset)
            kept = self._subsets.get(key)
            if kept is None:
                kept = self._subsets[key] = [make_subset(subset)]
                if len(self._subsets) > SUBSETS_KEPT:
                    self._subsets.popitem(last=False)
            else:
                self._subsets.move_to_end(key)
            return kept

        def add_compressed_subset(doc, fontname, subset):
            reference = add_subset_objects(doc, fontname, subset)
            if doc.compression:  # the stream as reportlab would write it, compressed once per subset
                kept = subset_bytes(subset)
                if len(kept) == 1:
                    kept.append(zlib.compress(kept[0]))
                stream = doc.idToObject[f"fontFile:{face.filename}({fontname})"]
                stream.content = kept[1]
                stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
            return reference

        face.makeSubset = lambda subset: subset_bytes(subset)[0]
        face.addSubsetObjects = add_compressed_subset

    def splitString(self, text, doc, encoding="utf-8"):
        if self.primer and doc not in self.state:
            state = self._assignState(doc)
            super().splitString(self.primer, doc, encoding)
            # The document's own characters start a new subset, so that the primed ones fill the same
            # subsets, code for code, in every document primed alike.
            state.nextCode = len(state.subsets) * 256
        return super().splitString(text, doc, encoding)


_registered: _SystemFont | None = None


def font() -> _SystemFont:
    """The registered font; a clear error if the font package is not installed."""
    global _registered
    if _registered is not None and _registered.face.filename == str(FONT_PATH):
        return _registered
    if not FONT_PATH.is_file():
        raise RuntimeError(f"中文字体缺失：找不到 {FONT_PATH}，无法生成 PDF 文件。"
                           "请在服务器上安装 Debian 软件包 fonts-wqy-zenhei（apt-get install fonts-wqy-zenhei）")
    _registered = _SystemFont(FONT_NAME, str(FONT_PATH))
    pdfmetrics.registerFont(_registered)
    return _registered


@contextmanager
def primed(text: str) -> Iterator[None]:
    """Within the build lock: the documents built meanwhile give `text`'s characters their first codes."""
    registered = font()
    registered.primer = "".join(dict.fromkeys(text))
    try:
        yield
    finally:
        registered.primer = ""
