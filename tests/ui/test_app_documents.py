"""My documents (upload, list, remove, per-session privacy) and advice grounded in them, through AppTest."""
from __future__ import annotations

import pytest

from .docs_fixtures import CARE_PLAN_MD, NOT_A_PDF, discharge_docx
from .helpers import ask, click, go, new_app, texts

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def upload(at, *files):
    at.file_uploader[0].set_value(list(files)).run()
    assert not at.exception, at.exception
    return click(at, "Add ")


def listed(at) -> list[str]:
    """File names in the document list (bold first line of each bordered row)."""
    return [m.value.split("**")[1] for m in at.markdown if m.value.startswith("**") and "chunks" in m.value]


@pytest.fixture(scope="module")
def with_docs():
    """One session that uploaded a Markdown care plan and a DOCX discharge letter."""
    at = go(new_app(), "documents")
    assert listed(at) == []
    upload(at, ("care-plan.md", CARE_PLAN_MD.encode(), "text/markdown"),
           ("discharge.docx", discharge_docx(), DOCX))
    return at


def test_upload_lists_documents_with_progress_report(with_docs):
    at = with_docs
    added = sorted(s.value for s in at.success)
    assert len(added) == 2 and added[0].startswith("Added **care-plan.md** (1 page, ")
    assert added[1].startswith("Added **discharge.docx** (1 page, ")
    assert sorted(listed(at)) == ["care-plan.md", "discharge.docx"]
    assert "Your documents: **2**" in " ".join(c.value for c in at.sidebar.caption)
    assert not at.error
    assert at.file_uploader[0].value == []  # the uploader is emptied once the files are stored


def test_advice_is_grounded_in_the_documents_with_sources(with_docs):
    at = go(with_docs, "chat")
    ask(at, "According to my documents, how often should I check my blood sugar?")
    ans = at.session_state["last_answer"]
    assert ans["route"] == "advice" and ans["expert"] == "advice"
    assert ans["sources"] and ans["sources"][0]["source"] == "care-plan.md"
    msg = at.chat_message[-1]
    exp = [e for e in at.expander if e.label.startswith("Sources (")]
    assert len(exp) == 1 and exp[0].label == f"Sources ({len(ans['sources'])})"
    first = texts(exp[0], "markdown")[0]
    assert first.startswith("**[1] care-plan.md**") and f"score {ans['sources'][0]['score']:.2f}" in first
    assert "expert: advice" in " ".join(texts(msg, "markdown"))


def test_another_session_does_not_see_these_documents(with_docs):
    other = go(new_app(), "documents")
    assert other.session_state["collection"] != with_docs.session_state["collection"]
    assert listed(other) == []
    assert "Your documents: **0**" in " ".join(c.value for c in other.sidebar.caption)


def test_bad_file_is_a_message_and_good_files_still_go_in():
    at = go(new_app(), "documents")
    upload(at, ("scan.pdf", NOT_A_PDF, "application/pdf"), ("care-plan.md", CARE_PLAN_MD.encode(), "text/markdown"))
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Could not add **scan.pdf**: "), errors
    assert listed(at) == ["care-plan.md"]
    assert not at.exception


def test_remove_a_document():
    at = go(new_app(), "documents")
    upload(at, ("care-plan.md", CARE_PLAN_MD.encode(), "text/markdown"))
    assert listed(at) == ["care-plan.md"]
    remove = [b for b in at.button if b.label == "Remove"]
    assert len(remove) == 1
    remove[0].click().run()
    assert not at.exception
    assert listed(at) == []
    assert any("Removed **care-plan.md**" in i.value for i in at.info)
