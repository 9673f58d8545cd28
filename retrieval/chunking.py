"""Sections -> chunks. Splits inside a section (never across headings), keeps the page, the heading
and the character offsets in the document text, and builds the text that gets embedded: the chunk
prefixed with "title — date — section", so a chunk of a 2021 echo report and its 2024 sibling with
the same heading are told apart by both the dense and the lexical search."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .loaders import LoadedDocument


@dataclass
class Chunk:
    text: str  # what the user sees and what gets cited
    page: int | None
    section: str | None
    start: int  # character offsets in LoadedDocument.text
    end: int

    def embed_text(self, title: str, date: str | None) -> str:
        return embed_prefix(title, date, self.section) + self.text


def embed_prefix(title: str, date: str | None, section: str | None) -> str:
    parts = [title]
    if date and date.lower() not in title.lower():
        parts.append(date)
    if section and section != title:
        parts.append(section)
    return " — ".join(p for p in parts if p) + "\n"


def make_splitter(chunk_size: int, chunk_overlap: int, length_function: Callable[[str], int] = len):
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    # Separators from coarse to fine; table rows and list items are lines, so "\n" keeps them whole.
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_size, chunk_overlap=min(chunk_overlap, chunk_size // 2),
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""], add_start_index=True, strip_whitespace=True,
        length_function=length_function)


def chunk_document(doc: LoadedDocument, chunk_size: int, chunk_overlap: int,
                   token_len: Callable[[str], int] | None = None, max_tokens: int | None = None) -> list[Chunk]:
    """One chunk per section; a section longer than chunk_size is split by the recursive splitter and
    each piece repeats the heading line. A chunk never crosses a heading or a page boundary.
    (Packing several short sections into one chunk was measured and lost accuracy on
    data/eval_docs: the heading is the strongest cue of what a chunk is about.)
    With `token_len` and `max_tokens` (the embedder's tokenizer and sequence limit), a chunk whose
    embedded text (prefix included) would pass the limit is split again by tokens: the embedder would
    silently drop its tail (dense tables of numbers: ~3 characters per token instead of ~4)."""
    chunks = _chunk_sections(doc, chunk_size, chunk_overlap)
    if token_len is None or not max_tokens:
        return chunks
    out: list[Chunk] = []
    for ch in chunks:
        if token_len(ch.embed_text(doc.title, doc.date)) <= max_tokens:
            out.append(ch)
            continue
        head = f"{ch.section}\n" if ch.section and ch.text.startswith(f"{ch.section}\n") else ""
        body = ch.text[len(head):]
        body_start = ch.end - len(body)
        budget = max(16, max_tokens - token_len(embed_prefix(doc.title, doc.date, ch.section) + head))
        splitter = make_splitter(budget, chunk_overlap // 4, length_function=token_len)
        pos = -1
        for piece in splitter.split_text(body):
            # the offset by search (langchain's start_index assumes the overlap is in characters)
            found = body.find(piece, pos + 1)
            pos = found if found >= 0 else body.find(piece)
            si = body_start + max(pos, 0)
            out.append(Chunk(head + piece, ch.page, ch.section, si, si + len(piece)))
    return out


def _chunk_sections(doc: LoadedDocument, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    splitter = make_splitter(chunk_size, chunk_overlap)
    chunks: list[Chunk] = []
    offset = 0
    for sec in doc.sections:
        head = f"{sec.heading}\n" if sec.heading else ""
        full = head + sec.text
        if not full.strip():
            continue
        if len(full) <= chunk_size:
            chunks.append(Chunk(full, sec.page, sec.heading, offset, offset + len(full)))
        else:
            for d in splitter.create_documents([sec.text]):
                start = offset + len(head) + d.metadata.get("start_index", 0)
                chunks.append(Chunk(head + d.page_content, sec.page, sec.heading, start,
                                    start + len(d.page_content)))
        offset += len(full) + 2  # LoadedDocument.text joins sections with a blank line
    return chunks


def units(text: str, section: str | None = None, max_len: int = 300) -> list[str]:
    """The lines of a chunk (long lines cut at sentence ends), each prefixed with the heading it sits
    under: each is embedded on its own, so a question about one value ("my blood pressure in 2024")
    meets the line that holds it (small-to-big: lines are matched, the whole chunk is returned)."""
    headings = set(section.split(" / ")) if section else set()
    current = section.split(" / ")[0] if section else None
    out: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip(" -*|\t")
        if len(line) < 3 or set(line) <= set("-|: "):
            continue
        if line in headings:
            current = line
            continue
        parts = re.split(r"(?<=[.!?])\s+(?=[A-Z(])", line) if len(line) > max_len else [line]
        out.extend(f"{current}: {p}" if current else p for p in parts if p.strip())
    return out or [text.strip()[:max_len]]
