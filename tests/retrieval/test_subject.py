"""What a question names, against the library's page names: never an answer from a page whose name
merely shares a word with what was asked (retrieval/subject.py, Library.search / coverage / evidence)."""
from __future__ import annotations

import pytest

from retrieval.library import asks_for, intent_sections
from retrieval.subject import NameIndex

PAGES = [
    ("ms", "Multiple sclerosis", ["MS", "disseminated sclerosis"], "Multiple sclerosis affects the nerves."),
    ("t1", "Type 1 diabetes", ["T1D"], "Type 1 diabetes is autoimmune. It is not type 2 diabetes."),
    ("t2", "Type 2 diabetes", ["T2D"], "Type 2 diabetes is insulin resistance. Type 1 diabetes is different."),
    ("abdo", "Abdominal pain", ["tummy ache"], "Abdominal pain is pain in the stomach area."),
    ("diph", "Diphenhydramine", ["Benadryl (US)"], "Diphenhydramine is a sedating antihistamine."),
    ("lis", "Lisinopril", [], "Lisinopril can cause a dry cough."),
    ("cough", "Cough", ["dry cough"], "A cough clears the airways.", "symptom"),
    ("crohn", "Crohn's disease", [], "Crohn's disease inflames the gut."),
    ("palp", "Palpitations", ["skipped beats"], "Palpitations can feel like skipped beats.", "symptom"),
]


@pytest.fixture(scope="module")
def names():
    return NameIndex(PAGES)


def test_a_name_sharing_a_word_is_a_conflict_not_a_match(names):
    s = names.subject("what is tuberous sclerosis")
    assert not s.named and "ms" in s.conflicting and ("tuberous",) in s.unnamed
    assert not s.mentions("Multiple sclerosis affects the nerves.")
    s = names.subject("addisons disease what is it")
    assert "crohn" in s.conflicting and ("addisons",) in s.unnamed
    assert s.mentions("People with Addison's disease should not take it.")


def test_an_abbreviation_no_page_is_called_must_be_mentioned(names):
    s = names.subject("TIPS procedure for the liver, what is it")
    assert ("TIPS",) in s.unnamed and not s.mentions("Cirrhosis scars the liver. The tip of the line.")
    assert s.mentions("A TIPS shunt lowers the pressure.")
    assert not names.subject("WHAT IS MULTIPLE SCLEROSIS").unnamed  # a question in capitals names nothing by case


def test_types_are_told_apart_and_a_comparison_names_both(names):
    s = names.subject("type 1 diabetes symptoms")
    assert s.named == {"t1"} and "t2" in s.conflicting
    s = names.subject("whats the diffrence between type 1 and type 2 diabetes")
    assert s.named == {"t1", "t2"} and not s.conflicting


def test_a_word_the_page_uses_is_no_conflict(names):
    s = names.subject("stomach pain after eating")
    assert "abdo" not in s.conflicting and not s.unnamed
    assert "palp" not in names.subject("heart skipping beats sometimes").conflicting  # same stem as "skipped"


def test_aliases_name_pages_and_the_more_specific_name_wins(names):
    assert names.subject("is benadryl safe").named == {"diph"}  # "Benadryl (US)"
    assert names.subject("MS fatigue").named == {"ms"}  # a short capital alias, as written
    assert names.subject("lisinopril dry cough").named == {"lis"}  # the cough page never says lisinopril
    assert names.subject("lisinopril or cough medicine").named == {"lis", "cough"}  # a comparison keeps both


def test_a_name_said_twice_in_a_row_is_one_unnamed_thing(names):
    # "Johnson & Johnson" (two uncommon words side by side, the same one) crashed the merge of
    # neighbouring unnamed words, so a refused request's library check raised instead of answering
    s = names.subject("Is Johnson & Johnson a good dividend stock to hold long term?", rare=["johnson"])
    assert s.unnamed == [("johnson",)] and not s.named


# ---- on the shipped library and the real embedder -------------------------------------------------
def test_a_sclerosis_with_no_page_is_not_answered_from_multiple_sclerosis(reference_library):
    # "tuberous sclerosis" was this case until the library gained its page (2026-12-02)
    q = "What is hippocampal sclerosis?"
    hits = reference_library.search(q)
    assert all("multiple-sclerosis" not in h.source for h in hits)
    assert not reference_library.coverage(q, hits).covered
    q = "What is tuberous sclerosis?"
    hits = reference_library.search(q)
    assert {h.title for h in hits} == {"Tuberous sclerosis complex"} and reference_library.coverage(q, hits).covered


def test_type_1_is_answered_from_the_type_1_page(reference_library):
    hits = reference_library.search("what are the symptoms of type 1 diabetes")
    assert hits and {h.title for h in hits} == {"Type 1 diabetes"} and hits[0].section == "Symptoms"
    both = {h.title for h in reference_library.search("difference between type 1 and type 2 diabetes")}
    assert both == {"Type 1 diabetes", "Type 2 diabetes"}


def test_a_named_medicine_answers_alone(reference_library):
    q = "lisinopril dry cough"
    hits = reference_library.search(q)
    assert {h.title for h in hits} == {"Lisinopril"}
    lines = reference_library.evidence(q, hits, n=3)
    assert any("cough" in e.text.lower() for e in lines)


def test_an_unnamed_condition_is_only_answered_by_lines_that_mention_it(reference_library):
    q = "addisons disease what is it"
    hits = reference_library.search(q)
    assert all(h.title not in ("Crohn's disease", "Coeliac disease") for h in hits)
    cov = reference_library.coverage(q, hits)
    if cov.covered:
        assert all("addison" in e.text.lower() for e in reference_library.evidence(q, hits, n=5))


def test_timing_and_seeking_care_are_different_questions():
    assert intent_sections("when should I start bowel cancer screening") == {"who it is for"}
    assert intent_sections("when should I see a doctor about a cough") == {"when to seek care"}
    assert "what it is" not in intent_sections("what are the side effects of ibuprofen")


def test_what_to_do_about_it_asks_for_treatment_but_getting_help_asks_when_to_seek_care():
    for q in ("what helps croup", "my baby has eczema what can i do", "osteoporosis how to make bones stronger",
              "can it be cured"):
        assert {"treatment", "self-care"} <= intent_sections(q), q
    assert intent_sections("when to get help for croup") == {"when to seek care"}
    assert "treatment" not in intent_sections("are cold sores contagious even when they're healing")


def test_a_heading_can_be_asked_for_in_one_category_only():
    from types import SimpleNamespace as Hit

    wanted = intent_sections("how to avoid blood clots on a long flight")
    assert asks_for(Hit(section="How it works", ref={"category": "prevention"}), wanted)  # walking, flexing ankles
    assert not asks_for(Hit(section="How it works", ref={"category": "medicine"}), wanted)  # a mechanism


def test_how_to_avoid_a_travel_clot_is_answered_by_what_to_do(reference_library):
    hits = reference_library.search("how to avoid blood clots on a long flight")
    assert "How it works" in [h.section for h in hits[:2]]


def test_the_words_of_a_page_name_ask_for_no_section(reference_library):
    assert "high values" in intent_sections("can high blood pressure be cured")
    assert "high values" not in reference_library.intents("can high blood pressure be cured")
    assert "treatment" in reference_library.intents("can high blood pressure be cured")
    assert "what it is" in reference_library.intents("what is gout")


@pytest.mark.parametrize("question, section", [
    ("what should my LDL be", "Normal range"),
    ("osteoporosis how to make bones stronger", "Treatment"),
    ("how long until I recover after a hip replacement", "Recovery and results"),
    ("doxycycline tips, just got prescribed", "How to take it"),
    ("who should get the shingles vaccine", "Who it is for"),
    ("missed my combined pill what now", "How to take it"),
    ("yeast infection vs bv how to tell", "Symptoms"),
])
def test_the_question_reaches_the_section_that_answers_it(reference_library, question, section):
    assert section.lower() in intent_sections(question)
    hits = reference_library.search(question)
    assert section in [h.section for h in hits[:2]]


def test_pages_added_for_common_topics_answer_by_their_lay_names(reference_library):
    q = "plan b how many days after"
    hits = reference_library.search(q)
    assert hits and {h.title for h in hits} == {"Emergency contraception"}
    assert any("72 hours" in e.text for e in reference_library.evidence(q, hits, n=5))


def test_a_named_page_the_fused_search_left_out_still_answers(reference_library):
    # "fever" is on many pages (glandular fever, cellulitis, pneumonia): the Fever page answers
    hits = reference_library.search("When should I see a doctor about Fever?")
    assert hits and {h.title for h in hits} == {"Fever"} and hits[0].section == "When to seek care"
    assert reference_library.coverage("can you explain herpes", reference_library.search("can you explain herpes")).covered


def test_a_misspelt_name_names_its_page_and_a_word_a_page_uses_is_never_respelt():
    names = NameIndex([
        ("gbs", "Guillain-Barré syndrome", ["guillain barre"], "Guillain-Barre syndrome attacks the nerves."),
        ("hypo", "Hypothyroidism", ["underactive thyroid"], "Hypothyroidism is an underactive thyroid."),
        ("hyper", "Hyperthyroidism", ["overactive thyroid"], "Hyperthyroidism is an overactive thyroid."),
        ("gastro", "Gastroenteritis", ["stomach bug"], "Gastroenteritis is a stomach bug."),
    ])
    assert names.subject("guillan barre after a stomach bug??").named >= {"gbs"}
    assert names.subject("hypothyroidism symptoms").named == {"hypo"}
    assert names.spelled(["hypothyroidsm", "symptoms"]) == ["hypothyroidism", "symptoms"]


def test_an_abbreviation_typed_in_lower_case_needs_its_page_to_fit_the_question():
    names = NameIndex([
        ("prep", "HIV pre-exposure prophylaxis", ["PrEP"], "PrEP is a pill taken to prevent HIV."),
        ("colo", "Colonoscopy", [], "A colonoscopy needs a bowel preparation the day before."),
        ("pots", "Postural tachycardia syndrome", ["POTS"], "In POTS the heart rate rises on standing."),
        ("cough", "Whooping cough", [], "Whooping cough is a bacterial infection."),
    ])
    assert names.subject("colonoscopy prep tips").named == {"colo"}  # not PrEP
    assert names.subject("is PrEP safe").named == {"prep"}  # as the page writes it
    assert names.subject("pots heart rate when standing").named == {"pots"}  # its page says heart rate, standing
    assert not names.subject("cough wont go away 4 weeks now").unnamed  # "won't" is no name


def test_a_lower_case_abbreviation_that_is_no_everyday_word_names_its_page():
    everyday = {"prep", "pots", "whats", "good", "number", "tips", "for", "a"}
    pages = [
        ("ldl", "LDL cholesterol", ["LDL"], "LDL cholesterol is measured in a blood test."),
        ("prep", "HIV pre-exposure prophylaxis", ["PrEP"], "PrEP is a pill taken to prevent HIV."),
        ("colo", "Colonoscopy", [], "A colonoscopy needs a bowel preparation the day before."),
    ]
    names = NameIndex(pages, known_word=lambda w: w in everyday)
    assert names.subject("whats a good ldl number").named == {"ldl"}
    assert names.subject("colonoscopy prep tips").named == {"colo"}  # "prep" is an everyday word
    # without a vocabulary every lower-case abbreviation needs its page's support, as before
    assert not NameIndex(pages).subject("whats a good ldl number").named


@pytest.mark.parametrize("question", ["What are the symptoms of a frozen pipe burst?", "What is a hangover?"])
def test_a_question_that_names_no_page_needs_a_close_excerpt(reference_library, question):
    # the Symptoms lines of some page share its wording, not its subject
    hits = reference_library.search(question)
    assert not reference_library.subject(question).named
    assert not reference_library.coverage(question, hits).covered


def test_a_name_inside_a_longer_name_the_question_says_is_not_named():
    names = NameIndex([
        ("lc", "Lung cancer", [], "Lung cancer is a cancer of the lung."),
        ("lcs", "Lung cancer screening", [], "Lung cancer screening is a yearly low-dose CT scan."),
        ("bc", "Bowel cancer", ["colon cancer"], "Bowel cancer screening finds it early."),
        ("cso", "Cancer screening overview", ["cancer screening"], "Bowel cancer screening and lung cancer screening."),
    ])
    assert names.subject("lung cancer screening who qualifies").named == {"lcs"}
    assert names.names_in("lung cancer screening who qualifies", {"lcs", "cso"}) == [("lung", "cancer", "screening")]
    assert names.subject("when should i start colon cancer screening").named == {"bc", "cso"}  # neither inside the other


def test_two_unnamed_words_side_by_side_are_one_name(names):
    s = names.subject("what is plantar fasciitis", rare=["plantar", "fasciitis"])
    assert s.unnamed == [("plantar", "fasciitis")]
    assert not s.mentions("Necrotising fasciitis is a rare infection.")
    assert s.mentions("Plantar fasciitis causes heel pain.")
    g = names.subject("symptoms of guillain barre", rare=["guillain", "barre"])
    assert g.mentions("Guillain-Barré syndrome is rare.")  # accents dropped, as people type it


def test_a_names_modifier_before_another_thing_is_not_that_page():
    names = NameIndex([
        ("fs", "Frozen shoulder", [], "Frozen shoulder makes the shoulder stiff and painful."),
        ("bs", "Blood in stool", ["black stools"], "Black poo can mean bleeding from the stomach."),
    ])
    assert "fs" in names.subject("symptoms of a frozen pipe burst").conflicting  # the same modifier, another thing
    assert "fs" not in names.subject("frozen shoulder exercises").conflicting
    assert "bs" not in names.subject("black poop why").conflicting  # the page's own "poo", spelled nearly
