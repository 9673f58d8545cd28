import re
from pathlib import Path

import pytest

from medrouter.app.documents import _is_path, check_model_lines, key_facts, load_text, merge

from ...conftest import ROOT

# A clinic letter in flowing paragraphs: no heading at all, wrapped lines, multi-byte units and names.
NO_HEADINGS = """Dear Dr Ahmed, I saw Mrs Zoë Brandt (62) today for review. Her blood pressure was 148/92 mmHg and
her pulse 78 bpm. Bloods showed an HbA1c of 61 mmol/mol (raised) and creatinine 88 µmol/L, which is normal.
Ferritin was low at 9 µg/L (30-400). My impression is iron deficiency anaemia, probably dietary. I have
started ferrous sulfate 200 mg once daily. Please repeat her full blood count in 8 weeks. She should
avoid tea with meals. No chest pain and no ankle swelling. Temperature 37.8 °C. Yours sincerely, Dr. Chloé Lambert."""

HEADINGS = """CARDIOLOGY CLINIC LETTER

HISTORY
Mr José García reports breathlessness on exertion for three months. He was reviewed by his GP in May.

EXAMINATION
Heart sounds normal. Chest clear. Mild pitting oedema of both ankles. No murmurs.

RESULTS
| Test | Result | Reference | Flag |
| NT-proBNP | 1240 ng/L | < 400 | H |
| Potassium | 4.4 mmol/L | 3.5–5.3 | |
| Sodium | 131 mmol/L | 133–146 | L |
Echo: LVEF 38%, moderately dilated left ventricle.

IMPRESSION
1. Heart failure with reduced ejection fraction, possibly ischaemic.
2. Mild hyponatraemia.
Comment: Please repeat sodium in 2 weeks.

Plan:
- Start bisoprolol 1.25 mg once daily and titrate every two weeks.
- Refer for coronary angiography.
- Review in clinic in 6 weeks.
"""


def test_a_pasted_string_is_never_read_as_a_server_file():
    # "/etc/passwd" pasted into the summarize box is text, not a file to open on the server
    assert not _is_path("/etc/passwd")
    assert not _is_path(str(ROOT / "README.md"))
    assert _is_path(Path(ROOT / "README.md"))


def test_load_text_reads_a_report_file():
    text, pages = load_text(ROOT / "data/eval_docs/ellison_echo_2024.md")
    assert "LVEF" in text or "ejection" in text.lower()
    assert pages >= 1


def test_key_facts_follow_inline_labels_and_never_repeat_them():
    """'Plan: ...' and its wrapped continuation are one recommendation, not vital signs (found in a UI screenshot)."""
    facts = key_facts("EXAM REPORT\nVital signs: BP 152/96 mmHg, HR 84 bpm.\n"
                      "Labs: fasting glucose 6.8 mmol/L (high).\n"
                      "Plan: start amlodipine 5 mg daily; diet and exercise\n"
                      "advice given; review in 4 weeks with home blood pressure readings.")
    assert facts["vital_signs"] == ["BP 152/96 mmHg, HR 84 bpm."]
    assert facts["recommendations"] == ["Plan: start amlodipine 5 mg daily; diet and exercise advice given; "
                                        "review in 4 weeks with home blood pressure readings."]
    assert facts["abnormal_findings"] == ["Labs: fasting glucose 6.8 mmol/L (high)."]


def test_a_report_without_headings_is_filed_by_the_wording_of_each_sentence():
    facts = key_facts(NO_HEADINGS)
    assert facts["vital_signs"] == ["Her blood pressure was 148/92 mmHg and her pulse 78 bpm.", "Temperature 37.8 °C."]
    assert facts["abnormal_findings"] == [
        "Bloods showed an HbA1c of 61 mmol/mol (raised) and creatinine 88 µmol/L, which is normal.",
        "Ferritin was low at 9 µg/L (30-400)."]
    assert facts["assessment"] == ["My impression is iron deficiency anaemia, probably dietary."]
    assert facts["medications"] == ["I have started ferrous sulfate 200 mg once daily."]
    assert facts["recommendations"] == ["Please repeat her full blood count in 8 weeks.",
                                        "She should avoid tea with meals."]
    every = [u for v in facts.values() for u in v]
    assert not any(u.startswith(("Dear", "Yours")) or "No chest pain" in u for u in every)


def test_key_facts_follow_the_reports_own_headings():
    facts = key_facts(HEADINGS)
    assert facts["abnormal_findings"] == [
        "Mild pitting oedema of both ankles.", "NT-proBNP | 1240 ng/L | < 400 | H",
        "Sodium | 131 mmol/L | 133–146 | L", "Echo: LVEF 38%, moderately dilated left ventricle."]
    assert facts["assessment"] == ["Heart failure with reduced ejection fraction, possibly ischaemic.",
                                   "Mild hyponatraemia."]
    # a drug started under the report's "Plan:" is a plan item: the report's own heading decides
    assert facts["recommendations"] == ["Comment: Please repeat sodium in 2 weeks.",
                                        "Start bisoprolol 1.25 mg once daily and titrate every two weeks.",
                                        "Refer for coronary angiography.", "Review in clinic in 6 weeks."]
    assert facts["medications"] == []
    every = [u for v in facts.values() for u in v]
    # history, normal findings and normal results are no key facts
    assert not any(w in u for u in every for w in ("breathlessness", "Potassium", "No murmurs", "Chest clear"))


def test_facts_are_whole_sentences_never_cut_inside_a_word_or_a_number():
    long = ("The patient was advised to " + "continue walking daily and " * 12 + "to repeat the ALT of 52.7 U/L "
            "in 3 months.")
    text = f"PLAN\n{long}\nRepeat lipids in 12 months (Dr. R. Sørensen to review 1.5 mg dose)."
    facts = key_facts(text)["recommendations"]
    assert facts == [long, "Repeat lipids in 12 months (Dr. R. Sørensen to review 1.5 mg dose)."]
    for kind, units in key_facts(HEADINGS).items():
        for u in units:
            assert u.replace(" | ", " ") in " ".join(HEADINGS.replace("|", " ").split()) or "|" in u
            assert re.search(r"[.)%:a-zA-Z0-9]$", u)


def test_the_models_lines_are_checked_against_the_report_and_nothing_is_said_twice():
    model = ("Vital signs: BP 148/92 mmHg, HR 78 bpm.\n"
             "Abnormal findings: raised HbA1c 61; raised ALT (52 U/L); low\ufffdmorrowed ferritin; low ferritin 9; "
             "low ferritin 9\nRecommendations: repeat full blood count in 8 weeks; start metformin")
    checked = check_model_lines(model, NO_HEADINGS)
    assert checked["vital_signs"] == ["BP 148/92 mmHg, HR 78 bpm"]
    assert checked["abnormal_findings"] == ["raised HbA1c 61", "low ferritin 9", "low ferritin 9"]  # ALT: not in it
    assert checked["recommendations"] == ["repeat full blood count in 8 weeks"]  # metformin: not in it
    kept, added = merge(checked, key_facts(NO_HEADINGS))
    # each model clause restates a sentence of the report: the sentence is shown, verbatim, once
    assert not any(kept.values())
    assert added == key_facts(NO_HEADINGS)
    # a supported clause that no extracted sentence holds is kept, under the model's label
    kept, added = merge({"assessment": ["iron deficiency anaemia, probably dietary"]}, {"assessment": []})
    assert kept["assessment"] == ["iron deficiency anaemia, probably dietary"] and not any(added.values())


@pytest.mark.slow
@pytest.mark.parametrize("report", [NO_HEADINGS, HEADINGS], ids=["no_headings", "headings"])
def test_a_summary_holds_every_key_fact_once_and_nothing_the_report_lacks(assistant, report):
    out = assistant.summarize(report)
    body = out["answer"].replace(assistant.settings.disclaimer, "")
    assert "\ufffd" not in out["answer"]
    for units in key_facts(report).values():
        for u in units:
            assert body.count(u) <= 1
    numbers = set(re.findall(r"\d+(?:\.\d+)?", report))
    assert set(re.findall(r"\d+(?:\.\d+)?", body)) <= numbers
    flat = " ".join(body.split())
    for must in ("ferrous sulfate 200 mg", "full blood count in 8 weeks", "iron deficiency anaemia") \
            if report is NO_HEADINGS else ("bisoprolol 1.25 mg", "coronary angiography", "Review in clinic in 6 weeks",
                                           "possibly ischaemic", "repeat sodium in 2 weeks"):
        assert must in flat
    assert "Key facts from the document (copied verbatim):" in body or "Recommendations:" in body
