"""routing_text / split_request: the router reads the user's instruction, not the pasted document."""
import pytest

from router.text import clean, routing_text, side_features, split_request

REPORT = "\n".join(["DISCHARGE SUMMARY", "Patient: Jane Doe   DOB: 1960", "Admission date: 1 May 2024",
                    "History: admitted with central chest pain, troponin negative."] +
                   [f"Day {i}: observations stable, BP 130/80 mmHg, HR 72 bpm." for i in range(400)] +
                   ["Plan: review in clinic in 6 weeks.", "Dr. A. Smith, Consultant Cardiologist"])


def test_short_request_is_read_whole():
    assert routing_text("  What is   hypertension?\n") == "What is hypertension?"


def test_instruction_before_a_pasted_report():
    ri = split_request("Please summarize this for me:\n\n" + REPORT)
    assert ri.pasted_document
    assert ri.text.startswith("Please summarize this for me:")
    assert "[document: DISCHARGE SUMMARY]" in ri.text
    assert "Day 3" not in ri.text  # the body is left out
    assert ri.instruction == "Please summarize this for me:"


def test_instruction_after_a_pasted_report():
    ri = split_request(REPORT + "\n\nCan you give me the key points of the above?")
    assert ri.pasted_document
    assert ri.text.endswith("Can you give me the key points of the above?")
    assert "Consultant" not in ri.instruction  # the letter's signature is the document's, not the user's


def test_bare_report_routes_on_its_opening():
    ri = split_request(REPORT)
    assert ri.pasted_document and ri.instruction == ""
    assert ri.text.startswith("DISCHARGE SUMMARY")


def test_long_plain_message_keeps_first_and_last_sentences():
    body = " ".join(f"Sentence number {i} about my week." for i in range(500))
    text = "I need advice about my sleep. " + body + " What should I do about it?"
    out = routing_text(text, max_chars=400)
    assert len(out) <= 400
    assert out.startswith("I need advice about my sleep.")
    assert out.endswith("What should I do about it?")


def test_huge_input_is_bounded_and_counts_words():
    text = "Summarize:\n" + REPORT * 12  # ~ 200k characters
    assert len(text) > 150_000
    ri = split_request(text, max_chars=1000)
    assert len(ri.text) <= 1000
    assert ri.n_words > 20_000  # estimated from the two ends + length, not by scanning everything
    assert side_features(ri, True).tolist()[:2] == [1.0, 1.0]


def test_binary_junk_is_cleaned():
    assert clean("abc\x00\x01def\x7f") == "abc def"
    assert routing_text("\x00\x01\x02 what is asthma \x03") == "what is asthma"


@pytest.mark.parametrize("text", ["when was penicillin discovered and by who", "Who invented the stethoscope?",
                                  "¿Quién descubrió la penicilina?", "Wer hat das Röntgen erfunden?",
                                  "Qui a découvert les rayons X ?", "Chi ha inventato il termometro?",
                                  "Em que ano foi descoberta a insulina?", "Wann wurde das Insulin entdeckt?"])
def test_who_discovered_is_the_history_of_medicine(text):
    from router.text import asks_who_discovered

    assert asks_who_discovered(text)


@pytest.mark.parametrize("text", ["I discovered a lump in my breast, what should I do",
                                  "my doctor discovered a heart murmur, is that bad", "when I discovered the rash it was small",
                                  "who should I see about my knee", "Ho scoperto di avere il diabete, cosa devo mangiare?",
                                  "Descobri que tenho pressão alta, o que faço?", "J'ai découvert une bosse, que faire ?"])
def test_the_users_own_discovery_is_not_history(text):
    from router.text import asks_who_discovered

    assert not asks_who_discovered(text)
