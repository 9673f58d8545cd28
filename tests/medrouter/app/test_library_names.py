"""A request the classifier refuses whose only subject is an uncommon name of a reference page is a
question about that page (Assistant._about_a_library_name): the router cannot know every rare disease and
brand name, the library can. A request with a word of its own beside the name stays refused."""
from dataclasses import replace

import pytest


def _refused(router, text):
    # the classifier's own refusal, whatever today's head says of this text
    return replace(router.route(text), route=router.oos, refused=True, reason="classifier", predicted=router.oos)


@pytest.mark.parametrize("text, page", [
    ("is huntingtons inherited", "Huntington's disease"),  # an eponym typed alone
    ("tadalafil interactions", "Tadalafil"),
    ("my brother has ehlers danlos how is it treated", "Ehlers-Danlos syndrome"),
    ("how do i use an epipen", "Adrenaline auto-injector"),
    ("forgot my levothyroxine this morning", "Levothyroxine"),  # a missed dose: about any medicine's page
    ("scabies how do you catch it", "Scabies"),  # "you" is a generic word
])
def test_a_refused_question_about_an_uncommon_page_name_is_answered(assistant, router, reference_library, text, page):
    d = assistant._named_in_library(_refused(router, text), text)
    assert (d.route, d.refused, d.reason) == ("medical_qa", False, "names_reference_page")
    ans = assistant.ask(text)
    assert ans.route == "medical_qa" and any(s.title.startswith(page) for s in ans.sources), ans.answer


@pytest.mark.parametrize("text", [
    "write a song about warfarin for my band",  # a word of its own: song, band
    "can my cat take ibuprofen",  # veterinary
    "what does cold feet mean",  # "cold" is a common word, and "feet" is no question about it
    "Is Johnson & Johnson a good dividend stock to hold long term?",  # names no page
    "cholesterol memes for my instagram",
])
def test_a_refused_request_with_a_subject_of_its_own_stays_refused(assistant, router, reference_library, text):
    decision = _refused(router, text)
    assert assistant._named_in_library(decision, text) is decision


def test_an_eponym_alone_names_its_page_but_a_short_one_does_not():
    from retrieval.subject import NameIndex

    ni = NameIndex([("hd", "Huntington's disease", [], "Huntington's disease is inherited."),
                    ("ds", "Down's syndrome", [], "Down's syndrome is caused by an extra chromosome 21.")])
    assert ni.subject("is huntingtons inherited").named == {"hd"} and ("huntingtons",) in ni.eponyms
    assert not ni.subject("the ups and downs of life").named  # "Down" is too short to stand alone


@pytest.mark.parametrize("text", [
    "sickle cell crisis what can trigger one",  # "trigger": a word the sickle cell page itself uses
    "rabies vaccine after a dog bite",  # "dog", "bite": the rabies page's own words
])
def test_a_refused_question_whose_other_words_the_named_page_uses_is_answered(assistant, router, reference_library, text):
    decision = _refused(router, text)
    decision = replace(decision, scores={**decision.scores, router.oos: 0.55})  # the classifier in real doubt
    d = assistant._named_in_library(decision, text)
    assert (d.route, d.refused, d.reason) == ("medical_qa", False, "names_reference_page")


@pytest.mark.parametrize("text", [
    "write a poem about sickle cell crisis",  # "write", "poem": no word of the page
    "does my puppy need a rabies shot every year",  # veterinary: "puppy" is not on the rabies page
])
def test_a_refused_request_with_words_the_named_page_never_uses_stays_refused(assistant, router, reference_library, text):
    decision = _refused(router, text)
    decision = replace(decision, scores={**decision.scores, router.oos: 0.55})
    assert assistant._named_in_library(decision, text) is decision


def test_page_words_count_only_when_the_classifier_doubts(assistant, router, reference_library):
    text = "sickle cell crisis what can trigger one"
    decision = replace(_refused(router, text), scores={**_refused(router, text).scores, router.oos: 0.95})
    assert assistant._named_in_library(decision, text) is decision


@pytest.mark.parametrize("text", [
    "how do you pass a kidney stone",  # "pass": a word of the kidney stones page
    "athletes foot cream",  # "cream": the athlete's foot page's own word
])
def test_a_refused_question_about_a_common_page_name_with_its_words_is_answered_in_real_doubt(
        assistant, router, reference_library, text):
    decision = _refused(router, text)
    doubt = replace(decision, scores={**decision.scores, router.oos: 0.6})  # in scope 0.4 >= 0.3
    d = assistant._named_in_library(doubt, text)
    assert (d.route, d.refused, d.reason) == ("medical_qa", False, "names_reference_page")
    sure = replace(decision, scores={**decision.scores, router.oos: 0.8})  # in scope 0.2: stays refused
    assert assistant._named_in_library(sure, text) is sure
    poem = "write a poem about kidney stones"  # "write", "poem": no word of the page
    p = replace(_refused(router, poem), scores={**decision.scores, router.oos: 0.6})
    assert assistant._named_in_library(p, poem) is p


@pytest.mark.parametrize("text", [
    "piles how to get rid of them",  # a common name, and generic words only
    "ringing in ears that wont stop",  # "wont": won't typed without its apostrophe
])
def test_a_refused_request_of_a_common_page_name_and_generic_words_is_answered_unless_the_classifier_is_sure(
        assistant, router, reference_library, text):
    decision = _refused(router, text)
    doubt = replace(decision, scores={**decision.scores, router.oos: 0.96})  # in scope 0.04 >= 0.02
    d = assistant._named_in_library(doubt, text)
    assert (d.route, d.refused, d.reason) == ("medical_qa", False, "names_reference_page")
    sure = replace(decision, scores={**decision.scores, router.oos: 0.99})  # in scope 0.01: stays refused
    assert assistant._named_in_library(sure, text) is sure


def test_a_page_word_with_another_ending_counts_as_the_pages(assistant, router, reference_library):
    text = "how do i store insulin"  # the insulin page says "stored"
    decision = replace(_refused(router, text), scores={**_refused(router, text).scores, router.oos: 0.6})
    d = assistant._named_in_library(decision, text)
    assert (d.route, d.refused) == ("medical_qa", False)


@pytest.mark.parametrize("text", ["what's a normal heart rate for a puppy", "what's a normal temperature for a cow"])
def test_a_refused_request_about_an_animal_is_never_rescued_by_a_page_name(assistant, router, reference_library, text):
    decision = replace(_refused(router, text), reason="below_threshold", predicted="medical_qa",
                       scores={**_refused(router, text).scores, router.oos: 0.4})
    assert assistant._named_in_library(decision, text) is decision


def test_what_a_phrase_made_of_a_common_page_name_means_stays_refused_however_unsure(assistant, router, reference_library):
    text = "what does cold feet mean"
    decision = replace(_refused(router, text), scores={**_refused(router, text).scores, router.oos: 0.5})
    assert assistant._named_in_library(decision, text) is decision


def test_in_a_conversation_the_library_name_rules_read_the_words_that_carry_the_subject(assistant):
    def conv(*users):
        msgs = []
        for i, t in enumerate(users):
            if i:
                msgs.append({"role": "assistant", "content": "(answer)"})
            msgs.append({"role": "user", "content": t})
        return assistant.conversation(msgs)

    # a follow-up with no subject of its own is read with the turn it leans on
    c = conv("What's eczema?", "best creams?")
    assert c.follows_up and assistant._named_text(c) == c.context
    c = conv("What's eczema?", "is it contagious?")
    assert assistant._named_text(c) == c.context
    # one with a subject of its own is read alone: the page the turn before named must not rescue it
    c = conv("Does paracetamol damage the liver?", "and can you recommend a good restaurant in Madrid?")
    assert c.follows_up and assistant._named_text(c) == c.request
