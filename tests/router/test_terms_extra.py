"""Test and scan names in the other five languages (router.terms.EXTRA_NAMES), beside the library's names."""
import json

import pytest

from router.terms import EXTRA_NAMES, MedicalTerms, tokens


@pytest.fixture(scope="module")
def terms(settings):
    return MedicalTerms.from_settings(settings)


@pytest.mark.parametrize("text", ["c'est quoi une IRM", "¿Qué es una ecografía?", "Was ist ein Blutbild?",
                                  "cos'è la TAC", "o que é uma ressonância magnética", "afib vs atrial flutter"])
def test_names_in_other_languages_are_term_questions(terms, text):
    assert terms.is_term_question(text)


@pytest.mark.parametrize("text", ["what is flutter", "flutter vs react native", "c'est quoi une IRM de la voiture moderne"])
def test_not_every_word_of_them(terms, text):
    # a bare "flutter" is a UI framework; a longer request with other words is the head's
    assert not terms.is_term_question(text)


def test_extra_names_match_no_out_of_scope_request(settings, terms):
    rows = []
    for path in (settings.router.train_file, "data/routing/dev.jsonl", "data/routing/dev2.jsonl"):
        with open(path, encoding="utf-8") as fh:
            rows += [json.loads(line) for line in fh if line.strip()]
    extra = {tuple(tokens(n)) for n in EXTRA_NAMES}
    hits = [r["text"] for r in rows if r["label"] == "out_of_scope" and terms.is_term_question(r["text"])
            and any(" ".join(n) in " ".join(tokens(r["text"])) for n in extra)]
    assert not hits
