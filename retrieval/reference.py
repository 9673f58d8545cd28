"""Reference sources -> pages: what a reference library is built from.

A reference library is a read-only collection of medical reference pages that medical answers are
grounded in (the user's own documents live in separate collections and never share its index).
Each source type is a registered reader that turns one source into `ReferencePage`s, keeping the
provenance a citation needs: the source's name, the page's address and its licence.

Readers, each for a real schema:
- `pages`: the project's own Markdown pages (data/reference/pages/**.md), YAML front matter
  (title, aliases, category) then `## Section` headings.
- `medlineplus_xml`: the NLM MedlinePlus health-topics dump (`mplus_topics_YYYY-MM-DD.xml`, or the
  zip it is also published as): `<health-topic title= url= id= language=>` with `<also-called>`,
  `<see-reference>`, `<mesh-heading><descriptor>` and an HTML-escaped `<full-summary>`.
- `medquad_xml`: MedQuAD's XML files (`<Document id= source= url=><Focus>` and
  `<QAPairs><QAPair><Question qtype=>…<Answer>`), a folder searched recursively; QA pairs whose
  answer was removed for copyright (three of its subsets) are skipped.
- `dataset`: a dataset through `datasets.load_dataset`, by hub name or local file/folder, mapped by
  its columns: gamino/wiki_medical_terms (page_title, page_text), medalpaca/medical_meadow_wikidoc
  (instruction, input, output), keivalya/MedQuad-MedicalQnADataset (qtype, Question, Answer).

Every problem names its source: a missing path, XML that does not parse (with its line), a dataset
without the expected columns, a source that yields no page.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from medrouter.core.errors import RetrievalError
from medrouter.core.pages import front_matter

from .loaders import LoadedDocument, Section, load_html, load_markdown, sections_from_plain


@dataclass
class ReferencePage:
    id: str  # unique in its library: "<source type>:<id in the source>"
    title: str
    sections: list[Section]
    source: str  # the source's display name, shown with the citation ("MedlinePlus", "medrouter starter library")
    licence: str
    url: str | None = None
    aliases: list[str] = field(default_factory=list)
    category: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(f"{s.heading}\n{s.text}" if s.heading else s.text for s in self.sections)

    @property
    def sha256(self) -> str:
        body = "\x1f".join([self.title, *self.aliases, self.text, self.licence, self.url or ""])
        return hashlib.sha256(body.encode("utf-8")).hexdigest()

    def document(self) -> LoadedDocument:
        return LoadedDocument(path=self.url or self.id, title=self.title, date=None, sections=self.sections,
                              kind="reference")

    def meta(self) -> dict:
        return {"page_id": self.id, "url": self.url, "licence": self.licence, "source_name": self.source,
                "aliases": self.aliases, "category": self.category}


# ---- registry ------------------------------------------------------------------------------------
Reader = Callable[..., Iterable[ReferencePage]]
READERS: dict[str, Reader] = {}


def register_reader(name: str):
    def deco(fn: Reader) -> Reader:
        READERS[name] = fn
        return fn
    return deco


def reader_names() -> list[str]:
    return sorted(READERS)


def read_source(spec) -> list[ReferencePage]:
    """All pages of one configured source (`ReferenceSource`), checked: at least one page, unique ids."""
    if spec.type not in READERS:
        raise RetrievalError(f"unknown reference source type '{spec.type}'; known: {', '.join(reader_names())}")
    where = describe(spec)
    pages: list[ReferencePage] = []
    seen: set[str] = set()
    for page in READERS[spec.type](spec):
        if not page.title.strip() or not page.text.strip():
            continue
        if page.id in seen:
            raise RetrievalError(f"{where}: page id '{page.id}' appears twice")
        seen.add(page.id)
        pages.append(page)
        if spec.limit and len(pages) >= spec.limit:
            break
    if not pages:
        raise RetrievalError(f"{where}: no pages found (check the path and the source type)")
    return pages


def describe(spec) -> str:
    return f"reference source '{spec.label or spec.type}' ({spec.path or spec.name})"


def _existing(spec, want: str = "any") -> Path:
    if not spec.path:
        raise RetrievalError(f"{describe(spec)}: needs `path:`")
    p = Path(spec.path).expanduser()
    if not p.exists():
        raise RetrievalError(f"{describe(spec)}: {p} not found")
    if want == "dir" and not p.is_dir():
        raise RetrievalError(f"{describe(spec)}: {p} is not a folder")
    if want == "file" and not p.is_file():
        raise RetrievalError(f"{describe(spec)}: {p} is not a file")
    if p.is_file() and p.stat().st_size == 0:
        raise RetrievalError(f"{describe(spec)}: {p.name} is empty")
    return p


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def _aliases(values: Iterable[str | None], title: str) -> list[str]:
    out: list[str] = []
    for v in values:
        v = _words(v)
        if v and v.lower() != title.lower() and v.lower() not in (a.lower() for a in out):
            out.append(v)
    return out


# ---- the project's own Markdown pages ----------------------------------------------------------------


@register_reader("pages")
def read_pages(spec) -> Iterator[ReferencePage]:
    import yaml

    root = _existing(spec)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*.md") if p.name.lower() != "readme.md")
    label = spec.label or "medrouter starter library"
    licence = spec.licence or "CC BY 4.0 (medrouter project)"
    for path in files:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise RetrievalError(f"{describe(spec)}: {path.name} is not UTF-8 text") from None
        try:
            got = front_matter(text)
        except yaml.YAMLError as exc:
            raise RetrievalError(f"{describe(spec)}: {path.name}: front matter is not valid YAML ({exc})") from None
        if got is None:
            raise RetrievalError(f"{describe(spec)}: {path.name} has no front matter (--- title: ... ---)")
        meta, body_start = got
        title = _words(str(meta.get("title") or ""))
        if not isinstance(meta, dict) or not title:
            raise RetrievalError(f"{describe(spec)}: {path.name}: front matter needs a title")
        aliases = meta.get("aliases") or []
        if not isinstance(aliases, list):
            raise RetrievalError(f"{describe(spec)}: {path.name}: aliases must be a list")
        doc = load_markdown(path, text[body_start:].encode("utf-8"))
        sections = [s for s in doc.sections if s.heading != title or s.text.strip()]
        rel = path.relative_to(root).with_suffix("").as_posix() if root.is_dir() else path.stem
        yield ReferencePage(id=f"pages:{rel}", title=title, sections=sections, source=label,
                            licence=str(meta.get("licence") or licence), url=str(meta["url"]) if meta.get("url") else None,
                            aliases=_aliases(map(str, aliases), title), category=meta.get("category"))


# ---- MedlinePlus health topics XML ------------------------------------------------------------------
def _xml_stream(spec, path: Path) -> Iterator[tuple[str, io.BufferedIOBase]]:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if n.lower().endswith(".xml")]
            if not names:
                raise RetrievalError(f"{describe(spec)}: {path.name} holds no .xml file")
            for n in names:
                with z.open(n) as f:
                    yield n, f
    else:
        with path.open("rb") as f:
            yield path.name, f


def _parse_error(spec, name: str, exc: ET.ParseError) -> RetrievalError:
    line, col = getattr(exc, "position", (None, None))
    return RetrievalError(f"{describe(spec)}: {name} is not well-formed XML (line {line}, column {col})")


@register_reader("medlineplus_xml")
def read_medlineplus(spec) -> Iterator[ReferencePage]:
    path = _existing(spec, "file")
    label = spec.label or "MedlinePlus"
    licence = spec.licence or "public domain (U.S. National Library of Medicine, MedlinePlus health topics)"
    language = (spec.language or "English").lower()
    for name, stream in _xml_stream(spec, path):
        try:
            root_seen = False
            for _event, el in ET.iterparse(stream, events=("end",)):
                if el.tag == "health-topics":
                    root_seen = True
                if el.tag != "health-topic":
                    continue
                if (el.get("language") or "English").lower() != language:
                    el.clear()
                    continue
                title = _words(el.get("title"))
                summary = el.findtext("full-summary") or ""
                # the summary is HTML, escaped once inside the XML (ElementTree already unescaped it)
                sections = load_html(Path(f"{title or 'topic'}.html"), summary.encode("utf-8")).sections if summary.strip() else []
                names = [x.text for x in el.findall("also-called")] + [x.text for x in el.findall("see-reference")]
                names += [d.text for d in el.findall("mesh-heading/descriptor")]
                page = ReferencePage(id=f"medlineplus:{el.get('id') or title}", title=title,
                                     sections=[Section(s.heading or "Summary", s.text) for s in sections],
                                     source=label, licence=licence, url=el.get("url"), aliases=_aliases(names, title),
                                     category=_words(el.findtext("group")) or None)
                el.clear()
                yield page
        except ET.ParseError as exc:
            raise _parse_error(spec, name, exc) from None
        if not root_seen:
            raise RetrievalError(f"{describe(spec)}: {name} is not a MedlinePlus health-topics file (no <health-topics>)")


# ---- MedQuAD XML ---------------------------------------------------------------------------------
@register_reader("medquad_xml")
def read_medquad(spec) -> Iterator[ReferencePage]:
    root = _existing(spec)
    files = [root] if root.is_file() else sorted(root.rglob("*.xml"))
    if not files:
        raise RetrievalError(f"{describe(spec)}: no .xml files under {root}")
    label = spec.label or "MedQuAD"
    for path in files:
        try:
            doc = ET.parse(path).getroot()
        except ET.ParseError as exc:
            raise _parse_error(spec, path.name, exc) from None
        if doc.tag != "Document":
            raise RetrievalError(f"{describe(spec)}: {path.name} is not a MedQuAD document (root <{doc.tag}>)")
        title = _words(doc.findtext("Focus")) or path.stem
        sections = []
        for qa in doc.findall("QAPairs/QAPair"):
            q, a = _words(qa.findtext("Question")), (qa.findtext("Answer") or "").strip()
            if q and a:
                sections.extend(sections_from_plain(a, first_heading=q))
        if not sections:  # answers removed for copyright in this subset
            continue
        origin = doc.get("source") or "unknown site"
        yield ReferencePage(id=f"medquad:{doc.get('id') or path.stem}", title=title, sections=sections, source=label,
                            licence=spec.licence or f"CC BY 4.0 (MedQuAD); answer text from {origin}",
                            url=doc.get("url"), aliases=_aliases((s.text for s in doc.iter("Synonym")), title))


# ---- datasets by name or path -------------------------------------------------------------------------
@dataclass(frozen=True)
class DatasetSchema:
    columns: tuple[str, ...]
    pages: Callable  # (rows, spec) -> Iterator[ReferencePage]
    licence: str
    label: str


DATASET_SCHEMAS: dict[str, DatasetSchema] = {}

def load_rows(spec):
    """The source's rows through `datasets.load_dataset` (hub name or local file/folder)."""
    from medrouter.core.datasets import load_rows as load

    ref = spec.path or spec.name
    if not ref:
        raise RetrievalError(f"{describe(spec)}: needs `name:` (a hub dataset) or `path:` (a local file or folder)")
    if spec.path and not Path(spec.path).expanduser().exists():
        raise RetrievalError(f"{describe(spec)}: {spec.path} not found")
    try:
        return load(ref, spec.split, RetrievalError)
    except RetrievalError as exc:
        raise RetrievalError(f"{describe(spec)}: {exc}") from None


def dataset_schema(name: str, columns: tuple[str, ...], licence: str, label: str):
    def deco(fn):
        DATASET_SCHEMAS[name] = DatasetSchema(columns, fn, licence, label)
        return fn
    return deco


def _paragraph_sections(text: str, heading: str | None = None) -> list[Section]:
    # wiki text: citation marks like [1] would read as our own [n] citations
    text = re.sub(r"\[\d{1,3}\]", "", text or "")
    return sections_from_plain(text, first_heading=heading)


@dataset_schema("wiki_medical_terms", ("page_title", "page_text"),
                "CC BY-SA 4.0 (Wikipedia text, via gamino/wiki_medical_terms)", "Wikipedia medical terms")
def _wiki_pages(rows, spec) -> Iterator[ReferencePage]:
    for i, row in enumerate(rows):
        title = _words(row["page_title"])
        yield ReferencePage(id=f"dataset:wiki:{i}:{title}", title=title, sections=_paragraph_sections(row["page_text"]),
                            source=spec.label or "Wikipedia medical terms", licence=_licence(spec, "wiki_medical_terms"),
                            url=f"https://en.wikipedia.org/wiki/{title.replace(' ', '_')}" if title else None)


@dataset_schema("medical_meadow_wikidoc", ("instruction", "input", "output"),
                "CC BY-SA 3.0 (WikiDoc, via medalpaca/medical_meadow_wikidoc)", "WikiDoc")
def _wikidoc_pages(rows, spec) -> Iterator[ReferencePage]:
    for i, row in enumerate(rows):
        question = _words(row["input"]) or _words(row["instruction"])
        yield ReferencePage(id=f"dataset:wikidoc:{i}", title=question, sections=_paragraph_sections(row["output"], question),
                            source=spec.label or "WikiDoc", licence=_licence(spec, "medical_meadow_wikidoc"))


# MedQuAD's question templates, most specific first: the focus is what the question is about
_FOCUS = [re.compile(p, re.I) for p in (
    r"^what (?:is|are) \(are\) (.+?)\s*\??$",
    r"^what (?:are|is) the (?:symptoms|signs|treatments?|complications|stages|outlook|genetic changes related) (?:of|for|to) (.+?)\s*\??$",
    r"^what (?:research|to do) \(or clinical trials\) is being done for (.+?)\s*\??$",
    r"^(?:what causes|who is at risk for|how to prevent|how to diagnose|how many people are affected by) (.+?)\s*\??$",
    r"^is (.+?) inherited\s*\??$",
    r"^what (?:is|are) (.+?)\s*\??$",
)]


def _focus(question: str) -> str:
    for rx in _FOCUS:
        m = rx.match(question)
        if m:
            return _words(m.group(1))
    return question


@dataset_schema("medquad_qa", ("qtype", "Question", "Answer"),
                "CC BY 4.0 (MedQuAD, via keivalya/MedQuad-MedicalQnADataset)", "MedQuAD")
def _medquad_rows(rows, spec) -> Iterator[ReferencePage]:
    # one page per focus (the condition the questions are about), its questions as sections
    pages: dict[str, list[Section]] = {}
    for row in rows:
        q, a = _words(row["Question"]), (row["Answer"] or "").strip()
        if not q or not a:
            continue
        focus = _focus(q)
        pages.setdefault(focus, []).extend(sections_from_plain(a, first_heading=q))
    for focus, sections in pages.items():
        yield ReferencePage(id=f"dataset:medquad:{focus.lower()}", title=focus, sections=sections,
                            source=spec.label or "MedQuAD", licence=_licence(spec, "medquad_qa"))


def _licence(spec, schema: str) -> str:
    return spec.licence or DATASET_SCHEMAS[schema].licence


@register_reader("dataset")
def read_dataset(spec) -> Iterator[ReferencePage]:
    rows = load_rows(spec)
    cols = set(rows.column_names)
    if spec.schema_name:
        if spec.schema_name not in DATASET_SCHEMAS:
            raise RetrievalError(f"{describe(spec)}: unknown schema '{spec.schema_name}'; known: "
                                 f"{', '.join(sorted(DATASET_SCHEMAS))}")
        candidates = [spec.schema_name]
    else:
        candidates = list(DATASET_SCHEMAS)
    for name in candidates:
        schema = DATASET_SCHEMAS[name]
        if set(schema.columns) <= cols:
            yield from schema.pages(rows, spec)
            return
    expected = " or ".join("(" + ", ".join(DATASET_SCHEMAS[n].columns) + ")" for n in candidates)
    raise RetrievalError(f"{describe(spec)}: expected columns {expected}; found: {', '.join(sorted(cols)) or 'none'}")

