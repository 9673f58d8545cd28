"""Labeled routing data: JSONL lines {"text", "label", "has_documents"?, "tags"?}."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from medrouter.core.errors import InputError


@dataclass
class Example:
    text: str
    label: str
    has_documents: bool = False
    tags: list[str] = field(default_factory=list)


def load_labeled(path: str | Path, routes: list[str] | None = None) -> list[Example]:
    """Read a labeled JSONL file; every bad line is reported at once with its line number."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"labeled routing file not found: {p}")
    rows, problems = [], []
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError(f"{p}: not a UTF-8 text file") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            problems.append(f"{p}:{n}: not JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or not isinstance(obj.get("label"), str):
            problems.append(f"{p}:{n}: need an object with string 'text' and 'label'")
            continue
        if not obj["text"].strip():
            problems.append(f"{p}:{n}: empty text")
            continue
        if routes is not None and obj["label"] not in routes:
            problems.append(f"{p}:{n}: label '{obj['label']}' is not a configured route ({', '.join(routes)})")
            continue
        tags = obj.get("tags") or []
        rows.append(Example(obj["text"], obj["label"], bool(obj.get("has_documents", False)),
                            [str(t) for t in tags] if isinstance(tags, list) else []))
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise InputError("; ".join(problems[:10]) + more)
    if not rows:
        raise InputError(f"{p}: no labeled examples")
    return rows


def training_examples(settings) -> list[Example]:
    """The routes' example utterances from the config + the training file, deduplicated."""
    rows = [Example(ex, r.name) for r in settings.routes for ex in r.examples]
    if settings.router.train_file:
        rows += load_labeled(settings.router.train_file, settings.route_names)
    seen, out = set(), []
    for e in rows:
        key = (" ".join(e.text.lower().split()), e.has_documents)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out
