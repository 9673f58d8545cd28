"""Ranking pieces: best-line proximity, lay synonyms, the one-thread query embedding, and the advice
benchmark's judge (the measure must be able to fail)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np


def _bm25():
    from retrieval.lexical import BM25Index, tokenize

    docs = ["Vital Signs\nBlood pressure 134/86 mmHg\nHeart rate 66",
            "Assessment\nHigh-normal blood pressure\nHeart rate was fine at 66, see vital signs",
            "Lipids\nLDL cholesterol 3.9 mmol/L"]
    return BM25Index([tokenize(d) for d in docs]), tokenize


def test_best_line_prefers_the_line_holding_all_concepts():
    from retrieval.lexical import best_line_scores, query_terms

    bm, tok = _bm25()
    q = query_terms("blood pressure heart rate 66")
    lines = [[tok("Blood pressure 134/86 mmHg heart rate 66")],  # one line, every concept
             [tok("blood pressure"), tok("heart rate 66")]]      # same words, spread over two lines
    s = best_line_scores(bm, q, lines)
    assert s[0] > s[1] > 0


def test_best_line_leaves_out_the_documents_title_terms():
    from retrieval.lexical import best_line_scores, query_terms

    bm, tok = _bm25()
    q = query_terms("cholesterol LDL")
    lines = [[tok("LDL cholesterol 3.9 mmol/L")]]
    full = best_line_scores(bm, q, lines)[0]
    without = best_line_scores(bm, q, lines, [{"cholesterol"}])[0]
    assert 0 < without < full
    assert best_line_scores(bm, q, lines, [{"cholesterol", "ldl"}])[0] == 0


def test_percentages_answer_a_percentage_question():
    from retrieval.lexical import tokenize

    assert "percent" in tokenize("HbA1c 8.4% (DCCT)") and "8.4%" in tokenize("HbA1c 8.4%")


def test_lay_words_for_leaving_hospital_find_the_discharge_letter(make_store, tmp_path):
    (tmp_path / "discharge.md").write_text(
        "# Discharge letter — 14 November 2023\n\n## Advice given to the patient\n\n"
        "Limit fluids to about 1.5 litres per day until reviewed by the heart failure nurse.\n")
    (tmp_path / "leaflet.md").write_text(
        "# Heart failure leaflet — January 2023\n\n## Fluids\n\n"
        "Some people are advised to limit fluids to 1.5 to 2 litres a day; ask your nurse.\n")
    store = make_store()
    store.ingest([tmp_path / "discharge.md", tmp_path / "leaflet.md"], "lay")
    hit = store.search("lay", "How much fluid could I drink after I left hospital?", k=1)[0]
    assert hit.source == "discharge.md"


def test_query_embedding_on_one_thread_matches_and_restores_threads(make_store):
    import torch

    store = make_store()
    before = torch.get_num_threads()
    q = "How well was my heart pumping on the 2021 heart scan?"
    v1 = store.embed_query(q)
    assert torch.get_num_threads() == before
    assert v1.shape == (1, store.embedder.get_embedding_dimension())
    assert np.allclose(v1, store.embed([q]), atol=1e-4)


def _advice_bench():
    path = Path(__file__).resolve().parents[2] / "bench" / "advice.py"
    spec = importlib.util.spec_from_file_location("bench_advice", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class _Ex:
    def __init__(self, source, text):
        self.source, self.text, self.page = source, text, None


def test_advice_judge_needs_the_fact_and_a_citation_of_the_right_chunk():
    adv = _advice_bench()
    q = {"id": "qx", "answer": "97/103 mg twice daily", "source": "plan.docx"}
    excerpts = [_Ex("discharge.html", "Sacubitril/valsartan 49/51 mg twice daily"),
                _Ex("plan.docx", "Sacubitril/valsartan 97/103 mg twice daily (morning and evening)")]
    good = adv.judge(q, "You take 97/103 mg twice daily [2].", excerpts, {"plan.docx"})
    assert good["fact"] and good["cites_right"] and good["grounded"] and good["retrieved"]
    wrong_cite = adv.judge(q, "You take 97/103 mg twice daily [1].", excerpts, {"plan.docx"})
    assert wrong_cite["fact"] and not wrong_cite["cites_right"]
    wrong_fact = adv.judge(q, "You take 49/51 mg twice daily [2].", excerpts, {"plan.docx"})
    assert not wrong_fact["fact"] and not wrong_fact["grounded"]
    # numbers must match whole: 97/1030 or 197/103 are not 97/103
    assert not adv.judge(q, "197/1030 mg [2]", excerpts, {"plan.docx"})["fact"]
    words = adv.judge({"id": "qy", "answer": "lowers the risk of oral thrush", "source": "l.html"},
                      "Rinsing lowers your risk of thrush in the mouth [1].", [_Ex("l.html", "x")], {"l.html"})
    assert words["fact"] and not words["retrieved"]
