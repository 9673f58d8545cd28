"""Grounding checks (retrieval/grounding.py): quoted evidence lines on the real embedder, and the claim
check that leaves out sentences the excerpts do not support."""
from __future__ import annotations

import pytest

from retrieval.grounding import check_claims, vocabulary_checker

EXCERPTS = ["Left Ventricular Function: LVEF 35%. Study date 15 March 2021.",
            "Changes Made on 20 May 2024: Sacubitril/valsartan increased to 97/103 mg twice daily. "
            "Dapagliflozin 10 mg once daily."]


def test_claim_check_keeps_supported_and_drops_invented_numbers():
    out = check_claims("Your heart pumped at 35% [1]. Your cholesterol was 15% [1]. "
                       "You take dapagliflozin 25 mg [2]. Sacubitril/valsartan is now 97/103 mg [2]. "
                       "Please confirm this with your care team.", EXCERPTS, "How well did my heart pump?")
    assert out.kept == ("Your heart pumped at 35% [1]. Sacubitril/valsartan is now 97/103 mg [2]. "
                        "Please confirm this with your care team.")
    # "15" occurs in excerpt 1 only as a date, not as a percentage; 25 mg is in no excerpt
    assert out.dropped == ["Your cholesterol was 15% [1].", "You take dapagliflozin 25 mg [2]."]
    assert out.cited == [1, 2]


def test_claim_check_reads_the_cited_excerpt_not_any_excerpt():
    # 97/103 is in excerpt 2, but the sentence cites excerpt 1
    out = check_claims("Take 97/103 mg twice daily [1].", EXCERPTS)
    assert out.kept == "" and out.dropped == ["Take 97/103 mg twice daily [1]."]


def test_claim_check_wants_the_number_beside_what_it_is_about(embedder):
    known = vocabulary_checker(embedder.tokenizer)
    plan = ["My Medicines:\nBisoprolol 7.5 mg tablet | once daily in the morning\nRamipril 2.5 mg capsule | twice daily"]
    out = check_claims("Take bisoprolol 2.5 mg twice daily [1]. Take bisoprolol 7.5 mg in the morning [1]. "
                       "Your ramipril is 2.5 mg [1].", plan, "What is my bisoprolol dose?", known)
    assert out.dropped == ["Take bisoprolol 2.5 mg twice daily [1]."]
    assert out.kept == "Take bisoprolol 7.5 mg in the morning [1]. Your ramipril is 2.5 mg [1]."
    # a year dates the document: it need not stand beside the drug
    dated = ["Medication plan, 20 May 2024\nBisoprolol 7.5 mg tablet | once daily"]
    assert check_claims("Your 2024 plan lists bisoprolol 7.5 mg [1].", dated, "", known).dropped == []


def test_claim_check_removes_citations_to_missing_excerpts():
    out = check_claims("Your ejection fraction was 35% [7].", EXCERPTS)
    assert out.kept == "Your ejection fraction was 35%." and out.cited == []


def test_claim_check_leaves_out_a_bare_yes_or_no():
    from retrieval.grounding import check_claims

    ex = ["Wrist and finger monitors are not recommended. Use a validated upper-arm monitor."]
    got = check_claims("Yes. Use a validated upper-arm monitor [1]. No, you can't.", ex)
    assert got.dropped == ["Yes.", "No, you can't."] and got.kept == "Use a validated upper-arm monitor [1]."
    kept = check_claims("Yes, use a validated upper-arm monitor [1].", ex).kept  # a stance with content is checked
    assert kept == "Yes, use a validated upper-arm monitor [1]."


def test_claim_check_drops_invented_words_with_the_embedders_vocabulary(embedder):
    known = vocabulary_checker(embedder.tokenizer)
    assert known is not None and known("breakfast") and known("Doctor") and not known("bisoprolleglinol")
    out = check_claims("Start bisoprolleglinol twice daily [2]. Take dapagliflozin with breakfast [2].",
                       EXCERPTS, "", known)
    assert out.dropped == ["Start bisoprolleglinol twice daily [2]."]
    assert out.kept == "Take dapagliflozin with breakfast [2]."
    # the user's own words need no support
    assert check_claims("Your Entresto dose went up [2].", EXCERPTS, "Did my Entresto change?", known).dropped == []


def test_evidence_quotes_the_line_that_answers(shared_store):
    q = "What was my ejection fraction on the 2024 echocardiogram?"
    hits = shared_store.search("docs", q, k=4)
    ev = shared_store.evidence("docs", q, hits, n=2)
    assert len(ev) == 2 and all(1 <= e.index <= len(hits) for e in ev)
    assert ev[0].score >= ev[1].score
    quoted = " ".join(e.text for e in ev)
    assert "48%" in quoted  # the 2024 report's LVEF, not 2021's 35%
    for e in ev:  # verbatim: every quoted line is text of the excerpt it cites
        body = e.text.split(": ", 1)[-1]
        assert " ".join(body.split()) in " ".join(hits[e.index - 1].text.split())
    assert shared_store.evidence("docs", q, hits, n=0) == []


def test_evidence_from_odd_excerpts(embedder):
    from types import SimpleNamespace

    from retrieval.grounding import QUOTE_CHARS, select_evidence

    def embed(texts):
        return embedder.encode(texts, normalize_embeddings=True)

    long_line = "word " * 2000  # one line, no sentence end
    hits = [SimpleNamespace(text="", section=None, title=None, date=None),
            SimpleNamespace(text=long_line, section="Notes", title=None, date=None)]
    ev = select_evidence("what are the notes", hits, embed, n=2)
    assert [e.index for e in ev] == [2]  # the empty excerpt gives no (empty) quote
    assert len(ev[0].text) <= QUOTE_CHARS + 2 and ev[0].text.endswith("…")
    assert select_evidence("anything", [], embed) == []


@pytest.mark.slow
def test_grounded_answer_is_checked_and_quoted(assistant, monkeypatch):
    from .conftest import DOCS

    assistant.store.ingest([DOCS / "ellison_medication_plan_2024.docx"], "evidence-test")
    monkeypatch.setattr(assistant.settings.expert("advice").generation, "max_new_tokens", 80)
    ans = assistant.ask("How much bisoprolol do I take now?", collection="evidence-test", expert="advice")
    assert ans.stop_reason != "no_coverage" and ans.evidence
    assert "7.5 mg" in " ".join(e["text"] for e in ans.evidence)
    body = ans.answer
    from medrouter.app.assistant import CLOSEST_LINES, FROM_DOCUMENTS

    assert (FROM_DOCUMENTS in body) != (CLOSEST_LINES in body)
    for e in ans.evidence:
        assert f'[{e["index"]}] "{e["text"]}"' in body
    # nothing the model wrote survives unless its numbers are in the excerpts it cites
    numbers_in_sources = " ".join(s.text for s in ans.sources)
    import re

    for n in re.findall(r"\d+(?:[./]\d+)*", body.split(CLOSEST_LINES)[0].split(FROM_DOCUMENTS)[0]):
        assert n in numbers_in_sources
    assert body.rstrip().endswith(assistant.settings.disclaimer.strip())
