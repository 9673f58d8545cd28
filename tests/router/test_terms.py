"""A very short request that is only a medical name of the reference library (router/terms.py)."""
import json

import pytest

from router.terms import MedicalTerms, tokens


@pytest.fixture(scope="module")
def terms(settings):
    t = MedicalTerms.from_settings(settings)
    assert len(t.names) > 1000  # the library's titles and aliases
    return t


@pytest.mark.parametrize("text", ["ESR?", "what's an HbA1c", "LDL vs HDL", "normal range for TSH", "C'est quoi le PSA ?",
                                  "warfarin?", "what does COPD stand for"])
def test_medical_names_are_term_questions(terms, text):
    assert terms.is_term_question(text)


@pytest.mark.parametrize("text", ["API?", "what is python", "test", "temperature in Paris tomorrow",
                                  "history of the stethoscope", "spell diarrhoea", "stroke?",  # "stroke" is a swimming word too
                                  "what is the best treatment for hypertension in people over eighty"])  # too long
def test_other_requests_are_not(terms, text):
    assert not terms.is_term_question(text)


def test_no_out_of_scope_training_request_is_a_term_question(settings, terms):
    with open(settings.router.train_file, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    hits = [r["text"] for r in rows if r["label"] == "out_of_scope" and terms.is_term_question(r["text"])]
    assert not hits


def test_tokens_keep_abbreviations_whole():
    assert tokens("P/E ratio? D-dimer, what's K+") == ["p/e", "ratio", "d-dimer", "what's", "k+"]


def test_router_answers_a_bare_medical_name(rt):
    d = rt.route("ESR?")
    assert not d.refused and d.route == "medical_qa"


def test_no_library_means_no_rule(settings):
    import copy

    s = copy.deepcopy(settings)
    s.reference.sources = []
    assert not MedicalTerms.from_settings(s).is_term_question("ESR?")
