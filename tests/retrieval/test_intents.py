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
