"""Decoding never shows a broken character: a multi-byte character split over byte-level tokens is
held until it completes, and bytes that form no character (a small model can emit them) are dropped."""
from __future__ import annotations

import pytest
import torch

from experts.stopping import Utf8Streamer, decode_text

TEXT = "Temp 37.8 °C, creatinine 88 µmol/L, BSA 1.9 m², José García, Zoë Müller, 王秀英; 3.9–5.5."


@pytest.fixture(scope="module")
def tok(lm):
    return lm.tokenizer


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte-level alphabet (SmolLM2 uses it): printable bytes stand for themselves, the others
    are shifted past 255."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table, extra = {b: chr(b) for b in keep}, 0
    for b in range(256):
        if b not in table:
            table[b], extra = chr(256 + extra), extra + 1
    return table


def byte_ids(tok, data: bytes) -> list[int]:
    """One token per byte: the byte-level vocabulary has a token for each of the 256 bytes, so this
    splits every multi-byte character across tokens, the worst case a model can produce."""
    ids = tok.convert_tokens_to_ids([table[b] for b in data])
    assert tok.unk_token_id not in ids
    return ids


table = _bytes_to_unicode()


def stream(tok, ids: list[int]) -> list[str]:
    s = Utf8Streamer(tok, timeout=5)
    s.put(torch.tensor([[1, 2, 3]]))  # the prompt, skipped
    for i in ids:
        s.put(torch.tensor([i]))
    s.end()
    return [p for p in s if p]


def test_every_multibyte_character_is_split_across_tokens_and_comes_out_whole(tok):
    ids = byte_ids(tok, TEXT.encode("utf-8"))
    assert len(ids) == len(TEXT.encode("utf-8")) > len(TEXT)
    # the stock decode of a prefix shows the half character the user would have seen
    cut = TEXT.encode("utf-8").index("°".encode("utf-8")) + 1
    assert tok.decode(ids[:cut]).endswith("\ufffd")
    pieces = stream(tok, ids)
    assert all("\ufffd" not in p for p in pieces)
    assert "".join(pieces) == TEXT == decode_text(tok, ids)
    assert len(pieces) > 10, "streamed piece by piece, not all at the end"


def test_the_model_own_tokens_stream_whole_characters(tok):
    ids = tok(TEXT, add_special_tokens=False)["input_ids"]
    assert "".join(stream(tok, ids)) == TEXT


@pytest.mark.parametrize("junk", [b"\xc3", b"\xe7\x8e", b"\xf0\x9f\x98", b"\xb0", b"\xe2\x80"])
def test_bytes_that_form_no_character_are_dropped(tok, junk):
    # "low\ufffdmorrowed ALT": a lead byte followed by plain letters, as the summarizer once wrote
    data = b"raised" + junk + b"ALT 52 U/L, 37.8 \xc2\xb0C" + junk
    ids = byte_ids(tok, data)
    assert "\ufffd" in tok.decode(ids)
    assert decode_text(tok, ids) == "raisedALT 52 U/L, 37.8 °C"
    pieces = stream(tok, ids)
    assert all("\ufffd" not in p for p in pieces)
    assert "".join(pieces) == "raisedALT 52 U/L, 37.8 °C"
