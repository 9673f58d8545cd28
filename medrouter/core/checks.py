"""Input checks every entry point applies to request text before any model runs."""
from __future__ import annotations

from .errors import InputError


def check_text(text: str, limit: int, what: str = "request") -> str:
    """`text` unchanged if it can be answered; an InputError that says what to do if not."""
    if text is None or not str(text).strip():
        raise InputError(f"empty {what}: type a question or paste a document")
    if len(text) > limit:
        raise InputError(f"{what} is {len(text):,} characters; the limit is {limit:,} (limits.max_input_chars). "
                         "Upload long documents as files instead")
    if "\x00" in text:
        raise InputError(f"{what} contains binary data (NUL bytes); send text")
    return text
