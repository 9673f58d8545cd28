"""Check the retrieval evaluation set: every answer string occurs verbatim in its source document.

    python data/eval_docs/check.py

- .md / .txt: read as text. .html: tags removed and entities unescaped. .pdf / .docx: the text they are
  generated from (make_binary_docs.source_text) and, where pypdf / python-docx are installed, the text
  extracted from the files themselves. Whitespace is normalised before matching.
- The `section` heading must occur in the source text too.
- Warns (does not fail) when an answer also occurs in another document of the same patient.
Exits non-zero on any failure.
"""
from __future__ import annotations

import html
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_binary_docs  # noqa: E402

PATIENTS = {"ellison": "Margaret Ellison", "okafor": "Daniel Okafor", "nair": "Priya Nair"}
INJECTION = "IGNORE ALL PREVIOUS INSTRUCTIONS"
ALLOWED_TAGS = {"lay_terms", "brand_generic", "same_patient_years", "plain", "injection", "held_out", "held_out2", "front_matter", "held_out3"}


def norm(text: str) -> str:
    return " ".join(text.split())


def html_text(raw: str) -> str:
    raw = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", raw)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


def extracted_text(path: Path) -> str | None:
    try:
        if path.suffix == ".pdf":
            import pypdf
            return "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(str(path)).pages)
        if path.suffix == ".docx":
            import docx
            d = docx.Document(str(path))
            parts = [p.text for p in d.paragraphs]
            for t in d.tables:
                for row in t.rows:
                    parts.append(" | ".join(c.text for c in row.cells))
            return "\n".join(parts)
    except ImportError:
        return None
    return None


def doc_texts(path: Path) -> list[str]:
    """One or more normalised texts for a document (all must contain the answer)."""
    if path.suffix in (".md", ".txt"):
        return [norm(path.read_text(encoding="utf-8"))]
    if path.suffix == ".html":
        return [norm(html_text(path.read_text(encoding="utf-8")))]
    if path.suffix in (".pdf", ".docx"):
        texts = [norm(make_binary_docs.source_text(path.name))]
        ext = extracted_text(path)
        if ext is not None:
            texts.append(norm(ext))
        return texts
    raise ValueError(f"unsupported document type: {path.name}")


def main() -> int:
    docs = sorted(p for p in HERE.iterdir() if p.suffix in (".md", ".txt", ".html", ".pdf", ".docx")
                  and p.name != "README.md")
    texts = {p.name: doc_texts(p) for p in docs}
    errors, warnings = [], []

    for p in docs:
        n = len(texts[p.name][0].split())
        if not 300 <= n <= 1500:
            errors.append(f"{p.name}: {n} words (want 300-1500)")
        if p.suffix in (".pdf", ".docx") and p.stat().st_size > 200_000:
            errors.append(f"{p.name}: {p.stat().st_size} bytes (want < 200 KB)")
    if sum(INJECTION in t[0] for t in texts.values()) < 1:
        errors.append("no document contains the prompt-injection line")

    rows = [json.loads(line) for line in (HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = Counter(r["id"] for r in rows)
    errors += [f"duplicate id {i}" for i, c in ids.items() if c > 1]
    for r in rows:
        missing = {"id", "question", "source", "answer", "section", "tags"} - r.keys()
        if missing:
            errors.append(f"{r.get('id')}: missing keys {sorted(missing)}")
            continue
        if r["source"] not in texts:
            errors.append(f"{r['id']}: unknown source {r['source']}")
            continue
        if set(r["tags"]) - ALLOWED_TAGS:
            errors.append(f"{r['id']}: unknown tags {set(r['tags']) - ALLOWED_TAGS}")
        ans = norm(r["answer"])
        for t in texts[r["source"]]:
            if ans not in t:
                errors.append(f"{r['id']}: answer {r['answer']!r} not found in {r['source']}")
        if norm(r["section"]) not in texts[r["source"]][0]:
            errors.append(f"{r['id']}: section {r['section']!r} not found in {r['source']}")
        prefix = r["source"].split("_")[0]
        for other, t in texts.items():
            if other != r["source"] and ans in t[0] and (other.startswith(prefix + "_") and prefix in PATIENTS):
                warnings.append(f"{r['id']}: answer {r['answer']!r} also occurs in sibling {other}")

    tags = Counter(t for r in rows for t in r["tags"])
    per_doc = Counter(r["source"] for r in rows)
    print(f"documents: {len(docs)}  ({', '.join(sorted(Counter(p.suffix for p in docs).elements()))})")
    print(f"questions: {len(rows)}  tags: {dict(sorted(tags.items()))}")
    for name in texts:
        print(f"  {name:40s} {len(texts[name][0].split()):5d} words  {per_doc.get(name, 0):2d} questions")
    for w in warnings:
        print("WARNING:", w)
    for e in errors:
        print("ERROR:", e)
    print("OK" if not errors else f"FAILED ({len(errors)} errors)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
