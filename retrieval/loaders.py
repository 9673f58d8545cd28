"""Reading documents into sections: a registry of loaders, one per file type.

Each loader turns a file into a `LoadedDocument`: title, date, and a list of `Section`s (heading,
page, text) in reading order. Headings come from the format itself where it has them (Markdown `#`,
HTML `<h1>`..`<h6>`, DOCX heading styles) and from layout cues where it does not (TXT/PDF: ALL-CAPS
lines, underlined lines, numbered headings "2. Current Medicines"). Chunking (chunking.py) splits
inside sections, so a chunk never straddles two headings and always knows its page.

Every problem with a file is a `RetrievalError` that names the file and says what to do.
"""
from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from medrouter.core.errors import RetrievalError


@dataclass
class Section:
    heading: str | None
    text: str
    page: int | None = None  # 1-based; None for formats without pages


@dataclass
class LoadedDocument:
    path: str
    title: str
    date: str | None
    sections: list[Section]
    pages: int | None = None  # number of pages (PDF), else None
    kind: str = ""

    @property
    def text(self) -> str:
        parts = []
        for s in self.sections:
            parts.append(f"{s.heading}\n{s.text}" if s.heading else s.text)
        return "\n\n".join(p for p in parts if p.strip())


Loader = Callable[[Path, bytes], LoadedDocument]
LOADERS: dict[str, Loader] = {}


def register_loader(*suffixes: str):
    def deco(fn: Loader) -> Loader:
        for s in suffixes:
            LOADERS[s] = fn
        return fn
    return deco


def supported_suffixes() -> list[str]:
    return sorted(LOADERS)


# ---- shared helpers ----------------------------------------------------------------------------
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
YEAR = r"(?:19|20)\d\d"  # a year of a medical record: 1900-2099
YEAR_RE = re.compile(rf"\b({YEAR})\b")
_DATE_RES = [
    re.compile(rf"\b(\d{{1,2}})\s+({_MONTHS})\.?\s+({YEAR})\b", re.I),  # 15 March 2021
    re.compile(rf"\b({_MONTHS})\.?\s+(\d{{1,2}}),?\s+({YEAR})\b", re.I),  # March 15, 2021
    re.compile(rf"\b({YEAR})-(\d\d)-(\d\d)\b"),  # 2021-03-15
    re.compile(rf"\b({_MONTHS})\s+({YEAR})\b", re.I),  # January 2023
]
_BORN = re.compile(r"(date of birth|dob|born)\s*[:\-]?\s*$", re.I)


def find_date(text: str) -> str | None:
    """The document's date: the first date in its opening lines that is not a date of birth."""
    head = text[:1500]
    for line in head.splitlines():
        for rx in _DATE_RES:
            for m in rx.finditer(line):
                if _BORN.search(line[: m.start()]):
                    continue
                return " ".join(m.group(0).split())
    return None


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _check_binary(path: Path, data: bytes) -> None:
    sample = data[:8192]
    if b"\x00" in sample:
        raise RetrievalError(f"{path.name}: looks like a binary file, not {path.suffix} text")


def _decode(path: Path, data: bytes) -> str:
    _check_binary(path, data)
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise RetrievalError(f"{path.name}: not readable text (neither UTF-8 nor Windows-1252)")


_UNDERLINE = re.compile(r"^\s*([-=_~*])\1{2,}\s*$")
_NUMBERED = re.compile(r"^\s*(\d{1,2}|[IVX]{1,4})[.)]\s+([A-Z][^.:;!?]{1,70})$")


def _is_caps_heading(line: str) -> bool:
    s = line.strip()
    letters = [c for c in s if c.isalpha()]
    # "  " (runs of spaces) marks a fixed-width table row such as "ALT    31   U/L", not a heading
    return (3 <= len(s) <= 90 and len(letters) >= 3 and all(c.isupper() for c in letters)
            and "  " not in s and not s.endswith((".", ",", ";")))


def sections_from_plain(text: str, page: int | None = None, first_heading: str | None = None) -> list[Section]:
    """Split plain text at lines that look like headings (layout cues, see module doc)."""
    lines = text.split("\n")
    sections: list[Section] = []
    heading, buf = first_heading, []

    def flush():
        body = _clean("\n".join(buf))
        if body:
            sections.append(Section(heading, body, page))

    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and _UNDERLINE.match(nxt) and len(line.strip()) <= 90:
            flush()
            heading, buf = line.strip(), []
            i += 2
            continue
        if _is_caps_heading(line) or _NUMBERED.match(line):
            flush()
            heading, buf = line.strip(), []
            i += 1
            continue
        buf.append(line)
        i += 1
    flush()
    return sections


def _title_from(sections: list[Section], fallback: str) -> str:
    for s in sections:
        if s.heading:
            return s.heading
        first = s.text.strip().split("\n", 1)[0].strip()
        if first:
            return first[:120]
    return fallback


# ---- loaders ------------------------------------------------------------------------------------
@register_loader(".txt", ".text")
def load_txt(path: Path, data: bytes) -> LoadedDocument:
    text = _clean(_decode(path, data))
    first = text.split("\n", 1)[0].strip() if text else ""
    sections = sections_from_plain(text)  # an ALL-CAPS first line heads the document's opening section
    return LoadedDocument(str(path), first[:120] or path.stem, find_date(text), sections, kind="txt")


@register_loader(".md", ".markdown")
def load_markdown(path: Path, data: bytes) -> LoadedDocument:
    from langchain_text_splitters import MarkdownHeaderTextSplitter

    text = _clean(_decode(path, data))
    levels = [("#" * n, f"h{n}") for n in range(1, 7)]
    splitter = MarkdownHeaderTextSplitter(levels, strip_headers=True)
    sections = []
    title = None
    for d in splitter.split_text(text):
        hs = [d.metadata[f"h{n}"] for n in range(1, 7) if f"h{n}" in d.metadata]
        if title is None and "h1" in d.metadata:
            title = d.metadata["h1"]
        # The deepest heading names the section; h1 (the document title) is in the chunk prefix anyway.
        heading = hs[-1] if hs else None
        body = d.page_content.replace("**", "")
        sections.append(Section(heading, _clean(body), None))
    if title is None:
        title = _title_from(sections, path.stem)
    return LoadedDocument(str(path), title, find_date(text), [s for s in sections if s.text], kind="md")


class _HTMLSections(HTMLParser):
    """Stdlib HTML parser: headings start sections; block tags and table cells become line breaks."""

    BLOCK = {"p", "div", "br", "li", "ul", "ol", "table", "section", "article", "header", "footer",
             "blockquote", "pre", "dd", "dt", "hr"}
    SKIP = {"script", "style", "noscript", "template", "head"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = []
        self.heading: str | None = None
        self.buf: list[str] = []
        self.in_heading: list[str] | None = None
        self.skip = 0
        self.title: str | None = None
        self.in_title = False
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def _flush(self):
        body = _clean(re.sub(r"[ \t]+", " ", "".join(self.buf)))
        if body:
            self.sections.append(Section(self.heading, body))
        self.buf = []

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.in_title = True
        if tag in self.SKIP:
            self.skip += 1
            return
        if re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self.in_heading = []
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []
        elif tag in self.BLOCK:
            self.buf.append("\n")
        if tag == "li":
            self.buf.append("- ")

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if re.fullmatch(r"h[1-6]", tag) and self.in_heading is not None:
            self.heading = " ".join("".join(self.in_heading).split()) or None
            self.in_heading = None
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.buf.append("\n" + " | ".join(self.row) + "\n")
            self.row = None
        elif tag in self.BLOCK:
            self.buf.append("\n")

    def handle_data(self, data):
        if self.in_title:
            self.title = (self.title or "") + data
        if self.skip:
            return
        if self.in_heading is not None:
            self.in_heading.append(data)
        elif self.cell is not None:
            self.cell.append(data)
        else:
            self.buf.append(data)

    def close(self):
        super().close()
        self._flush()


@register_loader(".html", ".htm")
def load_html(path: Path, data: bytes) -> LoadedDocument:
    raw = _decode(path, data)
    p = _HTMLSections()
    try:
        p.feed(raw)
        p.close()
    except Exception as exc:  # html.parser is lenient; this is a last resort
        raise RetrievalError(f"{path.name}: HTML could not be parsed ({exc})") from None
    title = " ".join((p.title or "").split()) or _title_from(p.sections, path.stem)
    text = "\n".join(s.text for s in p.sections)
    date = find_date(html.unescape(title)) or find_date(text)
    return LoadedDocument(str(path), html.unescape(title), date, p.sections, kind="html")


@register_loader(".pdf")
def load_pdf(path: Path, data: bytes) -> LoadedDocument:
    import pypdf
    from pypdf.errors import PdfReadError

    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise RetrievalError(f"{path.name}: not a PDF file (no %PDF header); was it renamed?")
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed files are reported by us, once
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise RetrievalError(f"{path.name}: the PDF is password-protected; save an unencrypted copy")
        texts = [(i + 1, page.extract_text() or "") for i, page in enumerate(reader.pages)]
        meta = reader.metadata or {}
        meta_title = str(meta.get("/Title") or "").strip()
    except RetrievalError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError, OSError,
            RecursionError, NotImplementedError) as exc:
        raise RetrievalError(f"{path.name}: the PDF is damaged or malformed and cannot be read ({exc})") from None
    if not texts:
        raise RetrievalError(f"{path.name}: the PDF has no pages")
    if not any(t.strip() for _, t in texts):
        raise RetrievalError(
            f"{path.name}: the PDF has {len(texts)} page(s) but no text layer (a scanned image?); "
            "run OCR on it first (e.g. ocrmypdf) and upload the result")
    sections: list[Section] = []
    heading = None
    for page_no, t in texts:
        for s in sections_from_plain(_clean(t), page=page_no, first_heading=heading):
            sections.append(s)
            heading = s.heading  # a section that runs on to the next page keeps its heading
    all_text = "\n".join(t for _, t in texts)
    title = meta_title or _title_from(sections, path.stem)
    return LoadedDocument(str(path), title, find_date(title) or find_date(all_text), sections,
                          pages=len(texts), kind="pdf")


@register_loader(".docx")
def load_docx(path: Path, data: bytes) -> LoadedDocument:
    import zipfile

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    if not data.startswith(b"PK"):
        raise RetrievalError(f"{path.name}: not a DOCX file (not a zip container); was it renamed?")
    try:
        d = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise RetrievalError(f"{path.name}: the DOCX is damaged or not a Word document ({exc})") from None
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise RetrievalError(f"{path.name}: the DOCX cannot be read ({type(exc).__name__}: {exc})") from None
    sections: list[Section] = []
    heading: str | None = None
    buf: list[str] = []
    title = (d.core_properties.title or "").strip()

    def flush():
        body = _clean("\n".join(buf))
        if body:
            sections.append(Section(heading, body))
        buf.clear()

    for block in d.iter_inner_content():  # paragraphs and tables in document order
        if isinstance(block, Paragraph):
            style = (block.style.name if block.style is not None else "") or ""
            text = block.text.strip()
            if not text:
                continue
            if style.startswith("Heading") or style == "Title":
                flush()
                heading = text
                if not title:
                    title = text
            else:
                buf.append(("- " if "List" in style else "") + text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells = []
                for c in row.cells:
                    ct = " ".join(c.text.split())
                    if not cells or cells[-1] != ct:  # merged cells repeat their text
                        cells.append(ct)
                buf.append(" | ".join(cells))
    flush()
    text = "\n".join(s.text for s in sections)
    created = d.core_properties.created
    date = find_date(title) or find_date(text) or (created.strftime("%d %B %Y") if created else None)
    return LoadedDocument(str(path), title or _title_from(sections, path.stem), date, sections, kind="docx")


# ---- entry point --------------------------------------------------------------------------------
def load_document(path: str | Path, max_file_mb: float = 50.0) -> LoadedDocument:
    """Read one file with the loader for its type. Size is checked before reading anything."""
    p = Path(path)
    if not p.exists():
        raise RetrievalError(f"{p}: file not found")
    if not p.is_file():
        raise RetrievalError(f"{p}: not a file")
    suffix = p.suffix.lower()
    if suffix not in LOADERS:
        raise RetrievalError(f"{p.name}: unsupported file type '{suffix or '(none)'}'; "
                             f"supported: {', '.join(supported_suffixes())}")
    size = p.stat().st_size
    if size > max_file_mb * 1024 * 1024:
        raise RetrievalError(f"{p.name}: file is {size / 1024 / 1024:.1f} MB; the limit is {max_file_mb:g} MB "
                             "(retrieval.max_file_mb); split it or raise the limit")
    if size == 0:
        raise RetrievalError(f"{p.name}: the file is empty")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise RetrievalError(f"{p}: cannot read ({exc.strerror})") from None
    doc = LOADERS[suffix](p, data)
    if not any(s.text.strip() for s in doc.sections):
        raise RetrievalError(f"{p.name}: no text found in the document")
    return doc
