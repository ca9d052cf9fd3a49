"""Word and Excel uploads (.docx, .xlsx): documents, never programs or remote content.

Refused: macros (VBA projects, macro-enabled content types, Excel 4.0 macro sheets), ActiveX
controls, OLE embeddings (an embedded object is another file, often a program or a macro document),
relationships that reach outside the file (remote templates, external workbook links, linked
pictures and frames), DDE fields and formulas, and every ZIP trick of core.file_zip.

A hyperlink a reader clicks stays allowed (http, https, mailto), as in PDFs: notices are full of
them, and Office asks before following one.

The parts are read with expat, streamed as they are decompressed; a part with a DTD is refused,
so no entity expansion ever happens.
"""

from __future__ import annotations

import re
from xml.parsers import expat

from core import file_signatures
from core.file_zip import UPLOAD_LIMITS, ZipLimits, check_container, damaged, refuse

LABELS = {"docx": "Word 文件", "xlsx": "Excel 文件"}
LINK_SCHEMES = ("http", "https", "mailto")
# Parts whose mere presence is refused (lower-case name fragments) and what they are.
_MACRO = "宏或 ActiveX 控件"
_FORBIDDEN_PARTS = (
    ("vbaproject.bin", _MACRO), ("vbadata.xml", _MACRO), ("/activex/", _MACRO), ("/macrosheets/", _MACRO),
    ("/embeddings/", "嵌入的 OLE 对象或其他文件"), ("/externallinks/", "指向其他工作簿的外部链接"),
    ("/connections.xml", "外部数据连接"), ("/querytables/", "外部数据查询"),
)
# Content types (lower-case fragments) that mean a macro document or an active object.
_FORBIDDEN_TYPES = ("macroenabled", "vbaproject", "vbadata", "activex", "oleobject", "macrosheet")
# Relationship types refused whether they point inside or outside the file.
_FORBIDDEN_RELATIONS = {"oleObject": "嵌入的 OLE 对象", "package": "嵌入的其他文件", "vbaProject": _MACRO,
                        "wordVbaData": _MACRO, "activeXControl": _MACRO, "activeXControlBinary": _MACRO,
                        "externalLink": "指向其他工作簿的外部链接", "externalLinkPath": "指向其他工作簿的外部链接"}
# A document made from a template remembers it as file:///C:/.../模板.dotx: common in official documents
# and harmless (Word looks on the reader's own disk and goes on without it). A template on a web
# server or a network share is the remote-template attack (and leaks the reader's Windows login).
_LOCAL_TEMPLATE = re.compile(r"^(?:file:///)?[A-Za-z]:[\\/]", re.IGNORECASE)
_FIELD_DDE = re.compile(r"\bDDE(AUTO)?\b", re.IGNORECASE)
_FIELD_QUOTE = re.compile(r"\bQUOTE\s+((?:\d+\s+)*\d+)", re.IGNORECASE)  # { QUOTE 68 68 69 } spells "DDE"
_STRING_LITERAL = re.compile(r'"[^"]*"')
_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.\-]*):")


def check_office(kind: str, data: bytes, limits: ZipLimits = UPLOAD_LIMITS) -> None:
    """Refuse a .docx/.xlsx that is damaged, too big unpacked, or carries active or remote content."""
    label = LABELS[kind]
    if what := file_signatures.foreign(data, allow=(file_signatures.ZIP,)):  # it is a ZIP archive itself
        raise refuse(label, f"中夹带了其他格式的数据（{what}）")
    check_container(data, label, limits, lambda name: _inspector(kind, label, name))


def _inspector(kind: str, label: str, name: str):
    lowered = name.lower()
    for fragment, what in _FORBIDDEN_PARTS:
        if fragment in "/" + lowered:
            raise refuse(label, f"包含{what}（{name[:80]}）")
    if lowered == "[content_types].xml":
        return _Part(label, _ContentTypes(label)).feed
    if lowered.endswith(".rels"):
        return _Part(label, _Relationships(label)).feed
    if kind == "docx" and lowered.startswith("word/") and lowered.endswith(".xml"):
        return _Part(label, _Fields(label)).feed
    if kind == "xlsx" and lowered.startswith("xl/worksheets/") and lowered.endswith(".xml"):
        return _Part(label, _Formulas(label)).feed
    return None


class _Part:
    """One XML part parsed as it streams; the handler sees local names and attributes."""

    def __init__(self, label: str, handler):
        self.label = label
        self.handler = handler
        self.parser = expat.ParserCreate(namespace_separator="}")
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._doctype
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = handler.text

    def _doctype(self, *_args) -> None:
        raise refuse(self.label, "中的 XML 部件包含 DTD 声明")

    def _start(self, name: str, attributes: dict) -> None:
        self.handler.start(name.rsplit("}", 1)[-1], {k.rsplit("}", 1)[-1]: v for k, v in attributes.items()})

    def _end(self, name: str) -> None:
        self.handler.end(name.rsplit("}", 1)[-1])

    def feed(self, chunk: bytes, final: bool) -> None:
        try:
            self.parser.Parse(chunk, final)
        except expat.ExpatError as exc:
            raise damaged(self.label) from exc
        if final:
            self.handler.close()


class _Handler:
    def __init__(self, label: str):
        self.label = label

    def start(self, name: str, attributes: dict) -> None: ...

    def end(self, name: str) -> None: ...

    def text(self, data: str) -> None: ...

    def close(self) -> None: ...


class _ContentTypes(_Handler):
    def start(self, name, attributes):
        content_type = attributes.get("ContentType", "").lower()
        if name in ("Default", "Override") and any(t in content_type for t in _FORBIDDEN_TYPES):
            raise refuse(self.label, f"包含{_MACRO}（{content_type[:80]}）")


class _Relationships(_Handler):
    def start(self, name, attributes):
        if name != "Relationship":
            return
        kind = attributes.get("Type", "").rstrip("/").rsplit("/", 1)[-1]
        if kind in _FORBIDDEN_RELATIONS:
            raise refuse(self.label, f"包含{_FORBIDDEN_RELATIONS[kind]}（{kind}）")
        if attributes.get("TargetMode", "").strip().lower() != "external":
            return
        target = attributes.get("Target", "")
        scheme = _SCHEME.match(target)
        if kind == "hyperlink" and scheme and scheme.group(1).lower() in LINK_SCHEMES:
            return  # a link the reader may click
        if kind == "attachedTemplate":
            if _LOCAL_TEMPLATE.match(target.strip()):
                return
            raise refuse(self.label, "附加了远程模板（位于网站或网络共享上）")
        if kind == "hyperlink":
            raise refuse(self.label, "中的超链接指向本机文件、网络共享或使用了不安全的协议")
        raise refuse(self.label, f"引用了外部文件或远程内容（{kind or '未知类型'}），例如远程模板或链接的图片")


class _Fields(_Handler):
    """Field codes of a Word part: a field's instruction may be split across many runs."""

    def __init__(self, label):
        super().__init__(label)
        self.instructions: list[str] = []
        self.inside = False

    def start(self, name, attributes):
        if name == "instrText":
            self.inside = True
        elif name == "fldChar":  # a field begins or ends: its instruction is the text in between
            self.instructions.append("\n")
        elif name == "fldSimple":
            self.instructions.append("\n" + attributes.get("instr", "") + "\n")

    def end(self, name):
        if name == "instrText":
            self.inside = False

    def text(self, data):
        if self.inside:
            self.instructions.append(data)

    def close(self):
        text = "".join(self.instructions)
        spelled = " ".join("".join(chr(int(c)) for c in m.group(1).split() if int(c) < 0x110000)
                           for m in _FIELD_QUOTE.finditer(text))
        if _FIELD_DDE.search(text) or _FIELD_DDE.search(spelled):
            raise refuse(self.label, "包含 DDE 字段（可在打开时执行外部程序）")


class _Formulas(_Handler):
    """Formulas of a worksheet: a "|" outside string literals is DDE (=cmd|' /c calc'!A1)."""

    def __init__(self, label):
        super().__init__(label)
        self.formula: list[str] | None = None

    def start(self, name, attributes):
        if name == "f":
            self.formula = []

    def text(self, data):
        if self.formula is not None:
            self.formula.append(data)

    def end(self, name):
        if name == "f" and self.formula is not None:
            formula = _STRING_LITERAL.sub('""', "".join(self.formula))
            self.formula = None
            if "|" in formula:
                raise refuse(self.label, "包含 DDE 公式（可在打开时执行外部程序）")

