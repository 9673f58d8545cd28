"""Turning a request into chat messages for an expert.

The advice format below is also the training format of the advice adapter (data/train/advice.jsonl):
keep them identical.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .config import ExpertSpec

NO_COVERAGE = "The provided documents do not cover this question."


class Excerpt(Protocol):
    source: str
    page: int | None
    text: str


def format_excerpts(excerpts: Sequence[Excerpt]) -> str:
    lines = ["Excerpts from the user's documents:"]
    for i, ex in enumerate(excerpts, 1):
        page = f", page {ex.page}" if ex.page is not None else ""
        text = " ".join(ex.text.split())
        lines.append(f"[{i}] (source: {ex.source}{page}) {text}")
    return "\n".join(lines)


def advice_user_message(question: str, excerpts: Sequence[Excerpt]) -> str:
    return f"{format_excerpts(excerpts)}\n\nQuestion: {question.strip()}"


def build_messages(expert: ExpertSpec, user_text: str, excerpts: Sequence[Excerpt] | None = None) -> list[dict]:
    """System prompt, optional few-shot turns, then the user's request (with excerpts for grounded experts)."""
    messages = [{"role": "system", "content": expert.system_prompt.strip()}]
    for shot in expert.few_shot:
        messages.append({"role": "user", "content": shot["user"]})
        messages.append({"role": "assistant", "content": shot["assistant"]})
    content = advice_user_message(user_text, excerpts) if excerpts else user_text.strip()
    messages.append({"role": "user", "content": content})
    return messages
