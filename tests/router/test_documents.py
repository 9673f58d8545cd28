"""Requests that name a document the user has not attached (needs_document), and the doc_match
signal for requests asked with documents attached."""
import pytest

from medrouter.core.errors import InputError
from router.text import names_document, names_health_document, needs_document, split_request


@pytest.mark.parametrize("text", [
    "Shorten this operative note to one paragraph.",
    "What advice does the uploaded care plan give for managing my asthma at home?",
    "Provide a summary of this emergency department visit record.",
    "Based on my discharge letter, when can I start driving again?",
    "tl;dr my blood test results pls",
    "Fasse meinen Arztbrief kurz zusammen.",
    "Résume mon compte rendu d'IRM.",
    "Riassumi il mio referto, per favore.",
    "Resuma o meu laudo da ressonância.",
    "Resume mi informe de alta.",
    # round five's wording (data/routing/round5.jsonl): compounds, ECG / MRI, plans, records, letters
    "Fasse meinen Entlassungsbericht aus dem Krankenhaus zusammen.",
    "Sollte ich mir laut meinem Blutbild Sorgen machen?",
    "Que signifie mon électrocardiogramme pour ma pratique du sport ?",
    "segun mi resonansia me tienen que operar?",
    "Riassumi il mio programma di fisioterapia.",
    "Summarize my neurologist's letter.",
    "Looking at my vaccination record, do I need another hepatitis B shot?",
    # a PET scan is a health document; a pet is not (below)
    "Can you condense my PET-CT report into three lines?",
    "What does my PET scan report say about my lymph nodes?",
    # round six's wording: consultation notes, "book" the verb, MRT compounds, care plans in es / pt
    "Shorten my aunt's rheumatology consultation notes.",
    "My GP letter asks for a blood test — when should I book it?",
    "Fass meinen MRT-Befund der Schulter zusammen.",
    "¿Qué dice mi plan de cuidados sobre el ejercicio?",
    "O que o meu plano de cuidados diz sobre a insulina?",
])
def test_names_a_health_document(text):
    ri = split_request(text)
    assert names_health_document(ri.instruction) and needs_document(ri, has_documents=False)
    assert not needs_document(ri, has_documents=True)  # attached: nothing is missing


@pytest.mark.parametrize("text", [
    "What is the difference between an MRI and a CT scan?",
    "why do my joints ache when it rains",
    "Summarize this earnings report for me.",
    "riassumi il contratto d'affitto che ho caricato",
    "How do I quarantine a file in Windows Defender?",
    "Summarize the following urinalysis: protein 2+, glucose negative, blood trace.",  # pasted inline
    "What is hypertension?",
    "Dame la receta de una tortilla de patatas jugosa.",  # receta: a recipe, not a prescription
    "Dammi la ricetta della carbonara.",
    "Summarize my pet's vet report.",
    "Give me the key points of my pet insurance report.",
    "Summarize this book about the history of surgery.",
    # "do", "i", "as": Portuguese / Italian determiners that are English words, only right before the noun
    "why do you need blood tests on clozapine",
    "I have some files here, but what does eGFR stand for?",
    "should i get blood tests for thyroid problems",
])
def test_does_not_name_a_missing_health_document(text):
    ri = split_request(text)
    assert not (names_health_document(ri.instruction) and needs_document(ri, has_documents=False))


def test_a_pasted_document_is_not_missing():
    report = "\n".join(["DISCHARGE SUMMARY", "Name: Jane Roe", "Diagnosis: pneumonia"] +
                       [f"Day {i}: afebrile, eating well, walking on the ward." for i in range(30)])
    ri = split_request("Summarize my discharge letter:\n\n" + report)
    assert ri.pasted_document and not needs_document(ri, has_documents=False)
    assert names_document("Summarize this file for me") and not names_health_document("Summarize this file for me")


@pytest.mark.parametrize("text,route", [
    ("Shorten this operative note to one paragraph.", "summarization"),
    ("Provide a summary of this emergency department visit record.", "summarization"),
    ("What advice does the uploaded care plan give for managing my asthma at home?", "advice"),
])
def test_named_missing_document_is_routed_to_its_expert_never_refused(rt, text, route):
    d = rt.route(text, has_documents=False)
    assert not d.refused and d.route == route and d.needs_document, d.to_dict()
    assert d.to_dict()["needs_document"] is True
    # attached: nothing is missing; the collection's match (as the Assistant passes it) keeps it in scope
    attached = rt.route(text, has_documents=True, doc_match=0.6)
    assert not attached.refused and not attached.needs_document


def test_general_question_needs_no_document(rt):
    d = rt.route("What is hypertension?")
    assert not d.needs_document and d.doc_match is None
    assert rt.route("What is blockchain?").refused


def test_doc_match_keeps_questions_about_own_documents_in_scope(rt):
    from router.router import DOC_MATCH_FLOOR

    text = "What was my LDL in 2024?"
    high = rt.route(text, has_documents=True, doc_match=DOC_MATCH_FLOOR + 0.1)
    assert high.route == "advice" and not high.refused and high.doc_match == pytest.approx(DOC_MATCH_FLOOR + 0.1)
    # no documents attached: doc_match is not read
    assert rt.route(text, has_documents=False, doc_match=0.9).reason != "doc_match"
    # an off-topic request the collection does not match is still refused
    low = rt.route("Write me a poem about the sea", has_documents=True, doc_match=0.05)
    assert low.refused
    batch = rt.route_batch([text, "Write me a poem about the sea"], [True, True], doc_match=[0.9, None])
    assert batch[0].route == "advice" and batch[1].refused and batch[1].doc_match is None
    with pytest.raises(InputError, match="doc_match has 1 values for 2 requests"):
        rt.route_batch([text, text], True, doc_match=[0.5])


def test_doc_match_sends_a_summary_request_to_summarization(rt):
    d = rt.route("Boil down my echo report to the essentials.", has_documents=True, doc_match=0.7)
    assert d.route == "summarization" and not d.refused
    from router.text import asks_for_summary

    assert asks_for_summary("riassunto veloce della mia ecografia") and not asks_for_summary("What was my LDL in 2024?")


def test_asks_for_summary_is_not_fooled_by_specialists_or_a_discharge_summary():
    from router.text import asks_for_summary

    assert asks_for_summary("Just the gist of my scan report, please.")
    assert not asks_for_summary("Should I see my cardiologist again?")  # "-ologist" ends in "gist"
    assert not asks_for_summary("According to the discharge summary, which medicines did they add?")
    assert asks_for_summary("Summarize my discharge summary.")


def _with_scores(rt, monkeypatch, probs):
    """rt with the classifier's probabilities fixed (routes in rt.routes order): the rule, not the head."""
    import numpy as np

    row = np.array([[probs[r] for r in rt.routes]])
    monkeypatch.setattr(rt.classifier, "scores", lambda vecs, feats, texts: np.repeat(row, len(texts), axis=0))
    return rt


@pytest.mark.parametrize("text,docs", [
    ("In a nutshell, what does the echo report I uploaded say?", True),
    ("Headline findings of the pathology report I attached, please.", True),
    ("Give me the short version of my thyroid ultrasound report.", False),  # named, not attached
])
def test_a_summary_of_a_named_health_document_goes_to_summarization(rt, monkeypatch, text, docs):
    # the head torn towards advice, or in scope just under its floor: the request asks for a summary
    # of a health document it names, so it goes to summarization
    for probs in ({"out_of_scope": 0.05, "medical_qa": 0.05, "summarization": 0.3, "advice": 0.6},
                  {"out_of_scope": 0.3, "medical_qa": 0.1, "summarization": 0.5, "advice": 0.1}):
        d = _with_scores(rt, monkeypatch, probs).route(text, has_documents=docs)
        assert d.route == "summarization" and not d.refused, d.to_dict()
    # the head sure it is out of scope (P(in scope) under SUMMARY_RULE_FLOOR): refused when attached;
    # named but missing, it is never refused (needs_document) and goes to summarization
    d = _with_scores(rt, monkeypatch, {"out_of_scope": 0.8, "medical_qa": 0.05, "summarization": 0.1,
                                       "advice": 0.05}).route(text, has_documents=docs)
    assert (d.refused, d.route) == ((True, "out_of_scope") if docs else (False, "summarization")), d.to_dict()


def test_the_summary_rule_leaves_other_documents_and_questions_alone(rt):
    # a summary of a document that is not a health record stays out of scope; a question about a
    # health document is no summary request
    assert rt.route("Summarize the uploaded car insurance contract.", has_documents=True).refused
    d = rt.route("My uploaded results show a high ferritin. Should I stop my iron tablets?", has_documents=True)
    assert d.route == "advice", d.to_dict()


@pytest.mark.parametrize("text", ["o resultado do exame de sangue", "i risultati del mio esame",
                                  "qué dice el informe", "explain the results of my blood test"])
def test_a_determiner_right_before_the_document_still_names_it(text):
    assert names_document(text) and names_health_document(text)
