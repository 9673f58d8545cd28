"""Medical answers from the shipped reference library, end to end on the real embedded models."""
from __future__ import annotations

import re

import pytest

from medrouter.app.assistant import ASK_FOR_DOCUMENT, DOCUMENT_OFFER, NOT_CHECKED, NOT_IN_LIBRARY


def answer_lines(ans) -> list[str]:
    """The quoted lines of a reference answer (before its Sources line)."""
    body = ans.answer.split("\n\nSources:")[0]
    return [ln for ln in body.splitlines() if ln.strip()]


def test_a_medical_answer_is_quoted_lines_of_cited_pages(assistant, reference_library):
    ans = assistant.ask("What are the common side effects of ibuprofen?")
    assert ans.route == "medical_qa" and ans.stop_reason == "quoted" and ans.grounded
    lines = answer_lines(ans)
    assert lines and all(re.search(r"^- .*\[\d\]$", ln) for ln in lines)
    by_index = {s.index: s for s in ans.sources}
    for ln in lines:
        text, n = ln[2:].rsplit(" [", 1)
        src = by_index[int(n.rstrip("]"))]
        assert " ".join(text.split()) in " ".join(src.text.split())  # verbatim from the cited excerpt
        assert src.origin == "reference" and src.title == "Ibuprofen" and src.licence
    assert "indigestion" in ans.answer.lower()
    assert "Sources: [" in ans.answer and "Ibuprofen — " in ans.answer and "reference:" in ans.answer
    assert assistant.settings.disclaimer in ans.answer


def test_a_question_the_library_does_not_cover_says_so(assistant, reference_library):
    ans = assistant.ask("What is Gaucher disease?")
    assert ans.stop_reason == "no_coverage" and not ans.sources
    assert NOT_IN_LIBRARY in ans.answer and "gaucher" in ans.coverage["missing"]


def test_a_question_about_an_emergency_condition_gets_its_answer_and_a_pointer(assistant, reference_library):
    ans = assistant.ask("What are the warning signs of a stroke?")
    es = assistant.settings.emergency
    assert ans.emergency == "stroke" and ans.stop_reason == "quoted"
    assert es.pointer in ans.answer and "URGENT" not in ans.answer and "988" not in ans.answer
    assert any(s.title == "Stroke" for s in ans.sources)


def test_someone_describing_an_emergency_gets_the_banner_for_its_kind(assistant, reference_library):
    ans = assistant.ask("my dad's face is drooping on one side and his speech is slurred")
    es = assistant.settings.emergency
    assert ans.answer.startswith(es.messages["stroke"])
    assert "988" not in ans.answer  # the crisis line belongs to the self-harm banner only


def test_advice_without_documents_answers_from_the_reference(assistant, reference_library):
    ans = assistant.ask("Can I take ibuprofen with warfarin?", expert="advice")
    assert ans.expert == "advice" and ans.stop_reason == "quoted"
    assert ans.sources and all(s.origin == "reference" for s in ans.sources)
    assert "bleeding" in ans.answer.lower()


def test_grounding_off_is_labelled_not_checked(settings, tmp_path, reference_library):
    from medrouter.app.assistant import Assistant

    s = settings.model_copy(deep=True)
    s.retrieval.store_dir = str(tmp_path / "c")
    spec = s.expert("medical_qa")
    spec.grounding = spec.grounding.model_copy(update={"required": False})
    spec.generation = spec.generation.model_copy(update={"max_new_tokens": 24})
    ans = Assistant(s).ask("What is hypertension?")
    assert not ans.grounded and not ans.sources
    assert NOT_CHECKED in ans.answer or ans.stop_reason == "declined"


@pytest.mark.parametrize("text", ["Shorten this operative note to one paragraph.",
                                  "What does my care plan say about diet?"])
def test_a_named_document_that_is_not_attached_is_asked_for(assistant, text):
    ans = assistant.ask(text)
    assert ans.route in ("summarization", "advice") and ans.finish_reason != "refused"
    assert ans.stop_reason == "needs_document" and "upload" in ans.answer.lower()


@pytest.mark.parametrize("text", ["what does egfr mean on my blood test",
                                  "is a potassium of 5.8 on my bloods high"])
def test_a_general_question_naming_an_absent_document_is_answered_from_the_library_with_the_offer(assistant, text):
    """It names the user's document (not attached) but asks what a reference page answers: the page's
    lines, cited, then the one line offering to read the document itself; never a refusal."""
    ans = assistant.ask(text)
    assert ans.finish_reason != "refused" and ans.stop_reason == "quoted", ans.answer
    assert ans.sources and all(s.origin == "reference" for s in ans.sources)
    assert DOCUMENT_OFFER in ans.answer and ASK_FOR_DOCUMENT not in ans.answer
    body = ans.answer.split("\n\nSources:")[0]
    assert re.search(r"\[\d\]", body)
    assert ans.answer.rstrip().endswith(assistant.settings.disclaimer)


@pytest.mark.parametrize("text", ["what was my LDL in my report",
                                  "can you check my blood test for anemia",
                                  "What does my care plan say about diet?"])
def test_a_question_only_the_absent_document_answers_asks_for_it(assistant, text):
    ans = assistant.ask(text)
    assert ans.stop_reason == "needs_document" and ASK_FOR_DOCUMENT in ans.answer, ans.answer
    assert DOCUMENT_OFFER not in ans.answer and not ans.sources


def test_a_general_question_beside_documents_that_never_mention_it_is_answered_from_the_library(
        assistant, reference_library):
    from medrouter.app.assistant import BESIDE_DOCUMENTS

    from ...conftest import ROOT

    col = "beside_documents"
    assistant.add_documents([ROOT / "data" / "eval_docs" / "ellison_echo_2024.md"], col)
    try:
        turns = [{"role": "user", "content": "What does my report say about my heart?"},
                 {"role": "assistant", "content": "It shows a mildly reduced ejection fraction of 48%."},
                 {"role": "user", "content": "is the shingles vaccine worth it"}]
        ans = assistant.ask(turns, collection=col)
        assert ans.stop_reason == "quoted" and BESIDE_DOCUMENTS in ans.answer, ans.answer
        assert ans.sources and all(s.origin == "reference" for s in ans.sources)
        assert any("shingles vaccine" in s.title.lower() for s in ans.sources)
        # what the report itself holds is still read from the report
        ans = assistant.ask("what was my ejection fraction?", collection=col)
        assert BESIDE_DOCUMENTS not in ans.answer and any(s.origin != "reference" for s in ans.sources), ans.answer
    finally:
        assistant.store.delete_collection(col)
