from pathlib import Path

from medrouter.app.documents import _is_path, load_text

from ...conftest import ROOT


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
    """'Plan: ...' and its wrapped continuation are recommendations, not vital signs (found in a UI screenshot)."""
    from medrouter.app.documents import key_facts

    facts = key_facts("EXAM REPORT\nVital signs: BP 152/96 mmHg, HR 84 bpm.\n"
                      "Labs: fasting glucose 6.8 mmol/L (high).\n"
                      "Plan: start amlodipine 5 mg daily; diet and exercise\n"
                      "advice given; review in 4 weeks with home blood pressure readings.")
    assert facts["vital_signs"] == ["BP 152/96 mmHg, HR 84 bpm."]
    assert facts["recommendations"][-1] == "advice given; review in 4 weeks with home blood pressure readings."
    assert facts["abnormal_findings"] == ["Labs: fasting glucose 6.8 mmol/L (high)."]
