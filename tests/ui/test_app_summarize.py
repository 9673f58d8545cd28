"""Summarize a report (paste or upload) through AppTest on the real embedded models."""
from __future__ import annotations

from .docs_fixtures import EXAM_REPORT, NOT_A_PDF, discharge_docx
from .helpers import click, go, new_app, texts
from .test_app_documents import DOCX


def summary_page():
    return go(new_app(), "summarize")


def test_pasted_report_is_summarized_by_the_summarization_expert(settings):
    at = summary_page()
    at.text_area(key="summary_text").input(EXAM_REPORT)
    click(at, "Summarize the text")
    last = at.session_state["last_summary"]
    ans = last["result"]
    assert last["source"] == "pasted text"
    assert ans["expert"] == "summarization" and ans["finish_reason"] in ("stop", "length")
    assert any(h.value == "Summary of pasted text" for h in at.subheader)
    assert "expert: summarization" in " ".join(m.value for m in at.markdown)
    body = ans["answer"].replace(settings.disclaimer.strip(), "").strip()
    assert len(body) > 20
    # the key facts are copied from the report, so its numbers survive whatever the model writes
    assert "BP 152/96 mmHg" in ans["answer"]
    assert "BP 152/96 mmHg" in " ".join(m.value for m in at.markdown)
    assert settings.disclaimer.strip() in [c.value for c in at.caption]
    assert not at.error
    at.run()  # the summary stays on the page after an unrelated rerun
    assert any(h.value == "Summary of pasted text" for h in at.subheader)


def test_uploaded_report_is_summarized():
    at = summary_page()
    at.file_uploader(key="summary_upload").set_value(("discharge.docx", discharge_docx(), DOCX)).run()
    click(at, "Summarize the file")
    assert at.session_state["last_summary"]["source"] == "discharge.docx"
    assert at.session_state["last_summary"]["result"]["expert"] == "summarization"
    assert not at.error


def test_unreadable_file_and_empty_text_are_messages():
    at = summary_page()
    at.file_uploader(key="summary_upload").set_value(("scan.pdf", NOT_A_PDF, "application/pdf")).run()
    click(at, "Summarize the file")
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Could not summarize scan.pdf: "), errors
    assert "last_summary" not in at.session_state
    click(at, "Summarize the text")  # nothing pasted
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Could not summarize pasted text: empty"), errors
    assert texts(at.main, "warning") == []
