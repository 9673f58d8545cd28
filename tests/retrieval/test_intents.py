"""What a question asks for, as page sections (retrieval/library.py: intent_sections)."""
from __future__ import annotations

import re

from retrieval.library import intent_sections


def test_intents_for_inheritance_and_red_flags():
    assert "causes and risk factors" in intent_sections("is huntingtons passed down")
    assert "causes and risk factors" in intent_sections("does haemochromatosis run in families")
    assert "when to seek care" in intent_sections("headache red flags")
    assert intent_sections("fabry disease") == set()


def test_a_word_many_pages_use_is_no_unnamed_subject(reference_library):
    """"contagious" is no whole word of the embedder's vocabulary, but 100+ pages use it: it is the
    library's general vocabulary, so "is scabies contagious" is answered from every line of the scabies
    page that answers it, not only from the one line that says "contagious"."""
    lib = reference_library
    subj = lib.subject("is scabies contagious")
    assert subj.named == {"pages:condition/scabies"} and not subj.unnamed
    ev = lib.evidence("is scabies contagious", lib.search("is scabies contagious"), 6)
    assert len(ev) >= 4 and any("skin-to-skin" in e.text for e in ev)
    # an alias phrased as a question ("how long is someone contagious") made "contagious" a name word and
    # every "is X contagious" a question about something no page is called
    assert "contagious" in lib._general_words()
    # a word few pages use stays a subject of its own that the quoted lines must mention
    assert ("serotonin",) in lib.subject("what is serotonin syndrome").unnamed


def test_intents_for_how_often_avoid_triggers_and_spread():
    assert "how to take it" in intent_sections("how often can i take ibuprofen")
    assert {"causes and risk factors", "treatment"} <= intent_sections("what should i stay away from with gout")
    assert "causes and risk factors" in intent_sections("what sets off a migraine")
    assert "causes and risk factors" in intent_sections("can you catch shingles from someone")
    assert "how to take it" in intent_sections("can i use nasal spray every day")


def test_the_weather_is_not_the_common_cold(reference_library):
    lib = reference_library
    cold = {s for s in lib.subject("how long does a cold last").named}
    assert cold, "the common cold page is named by 'a cold'"
    for q in ("my toes go purple in the cold", "hands hurt in cold weather", "i feel cold all the time"):
        assert not (lib.subject(q).named & cold), q
    for q in ("baby has a cough and cold", "i think i caught a cold"):
        assert lib.subject(q).named & cold, q
    # the illness again, and the remedies page its name fits best
    assert lib.subject("cold and flu tablets for kids").named == {"pages:medicine/cold-and-flu-combination-remedies"}


def test_how_often_is_answered_by_the_line_with_an_interval(reference_library):
    """Whichever section holds it: the interval between blood donations is in Recovery and results."""
    lib = reference_library
    q = "how often am i allowed to give blood"
    ev = lib.evidence(q, lib.search(q), 3)
    assert any(re.search(r"\b\d+ weeks\b", e.text) for e in ev), [e.text for e in ev]


def test_who_it_is_about_is_no_unnamed_subject(reference_library):
    """"toddler" before "ear infection" is the person, not a kind of ear infection no page has."""
    lib = reference_library
    q = "toddler ear infection will it go away on its own"
    subj = lib.subject(q)
    assert subj.named == {"pages:condition/ear-infection"} and not subj.unnamed
    assert lib.coverage(q, lib.search(q)).covered


def test_a_bare_name_is_answered_by_the_lead_line_of_each_core_section(reference_library):
    """"what is pcos" asks for the page's outline: what it is, its symptoms, cause and treatment, each
    section's lead line in page order, before the lines closest in wording to the bare name."""
    lib = reference_library
    for q in ("what is pcos", "fabry disease", "kawasaki disease in toddlers"):
        assert lib.overview(q) is not None, q
        hits = lib.search(q)
        assert [h.section for h in hits] == ["What it is", "Symptoms", "Causes and risk factors", "Treatment"], q
        ev = lib.evidence(q, hits, 6)
        assert [e.index for e in ev[:4]] == [1, 2, 3, 4], q
    ev = lib.evidence("what is pcos", lib.search("what is pcos"), 6)
    assert ev[0].text.startswith("What it is: Polycystic ovary syndrome (PCOS) is a common hormone condition")
    assert "irregular or absent periods" in ev[1].text
    # a question that asks something of the page is no outline
    for q in ("pcos symptoms", "is pcos genetic", "hemochromatosis too much iron", "metformin and alcohol"):
        assert lib.overview(q) is None, q


def test_a_named_page_section_the_search_left_out_is_added(reference_library):
    lib = reference_library
    hits = lib.search("headache red flags")
    assert hits[0].section == "When to seek care"
    ev = lib.evidence("headache red flags", hits, 6)
    assert any("thunderclap" in e.text for e in ev)
