"""`router fit` keeps the stored emergency head when its inputs are unchanged (router/emergency_head.py:
emergency_fingerprint, stored_head_matches, fit_or_reuse_emergency) and refits it when they differ."""
import copy

import pytest

from .conftest import write_jsonl

ROWS = [
    {"text": "my dad collapsed and is not breathing", "label": "emergency", "kind": "unconscious"},
    {"text": "I have crushing chest pain spreading to my left arm", "label": "emergency", "kind": "chest_pain"},
    {"text": "her face is drooping and she can't lift her arm", "label": "emergency", "kind": "stroke"},
    {"text": "what are the warning signs of a stroke?", "label": "informational", "kind": "stroke"},
    {"text": "how do I do CPR on an adult?", "label": "informational", "kind": "unconscious"},
    {"text": "what does angina feel like?", "label": "informational", "kind": "chest_pain"},
    {"text": "what is a normal resting heart rate?", "label": "none"},
    {"text": "summarize my cholesterol results", "label": "none"},
    {"text": "how much vitamin D should I take?", "label": "none"},
] * 2  # 18 rows: two per label and fold at least


@pytest.fixture
def small(settings, tmp_path):
    """The shipped settings with the heads in tmp_path and no train file (no ordinary requests to price:
    a fit of the 18 rows takes seconds)."""
    s = copy.deepcopy(settings)
    s.router.head_path = str(tmp_path / "small.safetensors")
    s.router.train_file = None
    return s, write_jsonl(tmp_path / "rows.jsonl", ROWS)


def test_fingerprint_follows_rows_encoder_and_hyperparameters(settings, rt, monkeypatch):
    from router import emergency_head as eh

    fp = eh.emergency_fingerprint(settings, rt.encoder, ROWS)
    assert fp == eh.emergency_fingerprint(settings, rt.encoder, copy.deepcopy(ROWS))  # deterministic
    relabelled = copy.deepcopy(ROWS)
    relabelled[6]["label"] = "informational"
    relabelled[6]["kind"] = "chest_pain"
    reworded = copy.deepcopy(ROWS)
    reworded[0]["text"] += " at all"
    other = copy.copy(rt.encoder)
    other.name = "another-encoder"
    assert len({fp, eh.emergency_fingerprint(settings, rt.encoder, relabelled),
                eh.emergency_fingerprint(settings, rt.encoder, reworded),
                eh.emergency_fingerprint(settings, rt.encoder, ROWS[:-1]),
                eh.emergency_fingerprint(settings, other, ROWS),
                eh.emergency_fingerprint(settings, rt.encoder, ROWS, ngram_buckets=1024)}) == 6
    monkeypatch.setattr(eh, "MISS_COST", eh.MISS_COST + 1)
    assert eh.emergency_fingerprint(settings, rt.encoder, ROWS) != fp


def test_router_fit_keeps_an_unchanged_head_and_refits_a_changed_one(small, rt, tmp_path):
    from router.emergency_head import emergency_head_path, fit_or_reuse_emergency, load_emergency_head

    s, rows = small
    path = emergency_head_path(s)
    head, where, reused, why = fit_or_reuse_emergency(s, rows_file=rows, encoder=rt.encoder)
    assert (where, reused) == (path, False) and "no emergency head" in why
    assert load_emergency_head(path).info["inputs_fingerprint"] == head.info["inputs_fingerprint"]
    stamp = path.stat().st_mtime_ns

    head2, _, reused, why = fit_or_reuse_emergency(s, rows_file=rows, encoder=rt.encoder)
    assert reused and "unchanged" in why and path.stat().st_mtime_ns == stamp  # not rewritten
    assert head2.info["inputs_fingerprint"] == head.info["inputs_fingerprint"]

    _, _, reused, why = fit_or_reuse_emergency(s, refit=True, rows_file=rows, encoder=rt.encoder)
    assert not reused and "--refit-emergency" in why

    changed = write_jsonl(tmp_path / "rows2.jsonl", ROWS + [{"text": "what is a heart attack?",
                                                             "label": "informational", "kind": "chest_pain"}])
    head3, _, reused, why = fit_or_reuse_emergency(s, rows_file=changed, encoder=rt.encoder)
    assert not reused and "inputs changed" in why and head3.info["rows"] == len(ROWS) + 1


def test_a_head_without_a_fingerprint_is_refitted(small, rt):
    from router.emergency_head import (emergency_head_path, fit_emergency, load_rows, save_emergency_head,
                                       stored_head_matches)

    s, rows = small
    head = fit_emergency(s, rt.encoder, load_rows(rows))
    del head.info["inputs_fingerprint"]  # as the heads fitted before fingerprints were kept
    save_emergency_head(head, emergency_head_path(s))
    found, why = stored_head_matches(s, rt.encoder, load_rows(rows), emergency_head_path(s))
    assert found is None and "no inputs fingerprint" in why


def test_router_fit_has_a_refit_emergency_flag():
    from medrouter.app.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["router", "fit"]).refit_emergency is False
    assert parser.parse_args(["router", "fit", "--refit-emergency"]).refit_emergency is True
