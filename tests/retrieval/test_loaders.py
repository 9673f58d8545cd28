"""Loaders: every format of the evaluation set, and every kind of bad file gets a clear RetrievalError."""
from __future__ import annotations

import pytest

from medrouter.core.errors import RetrievalError
from retrieval.loaders import load_document

from .conftest import DOCS


@pytest.mark.parametrize("name,title_part,date,heading", [
    ("ellison_echo_2021.md", "Echocardiogram", "15 March 2021", "Left Ventricular Function"),
    ("ellison_discharge_2023.html", "Discharge Letter", "14 November 2023", "Medications on Discharge"),
    ("ellison_medication_plan_2024.docx", "Medication Plan", "20 May 2024", "My Medicines"),
    ("okafor_physical_exam_2022.txt", "PHYSICAL EXAMINATION", "7 JUNE 2022", "VITAL SIGNS"),
    ("nair_annual_review_2024.pdf", "Diabetes Annual Review", "30 April 2024", "9. Plan"),
])
def test_formats_keep_title_date_and_headings(name, title_part, date, heading):
    doc = load_document(DOCS / name)
    assert title_part in doc.title
    assert doc.date == date  # the document date, not the patient's date of birth
    assert heading in [s.heading for s in doc.sections]


def test_pdf_keeps_page_numbers():
    doc = load_document(DOCS / "nair_annual_review_2024.pdf")
    assert doc.pages == 3
    plan = next(s for s in doc.sections if s.heading == "9. Plan")
    assert plan.page == 3 and "hydroxocobalamin" in plan.text


def test_docx_table_rows_in_order():
    doc = load_document(DOCS / "ellison_medication_plan_2024.docx")
    meds = next(s for s in doc.sections if s.heading == "My Medicines")
    assert "Atorvastatin 40 mg tablet | 40 mg once daily at night" in meds.text


def test_html_scripts_are_not_text(tmp_path):
    p = tmp_path / "x.html"
    p.write_text("<html><head><title>T 1 May 2020</title><script>alert('x')</script></head>"
                 "<body><h2>Plan</h2><p>Walk daily.</p><style>p{}</style></body></html>")
    doc = load_document(p)
    assert doc.sections[0].heading == "Plan" and "alert" not in doc.text and "Walk daily." in doc.text


def _err(path, **kw) -> str:
    with pytest.raises(RetrievalError) as ei:
        load_document(path, **kw)
    return str(ei.value)


def test_binary_renamed_pdf(tmp_path):
    p = tmp_path / "photo.pdf"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    assert "not a PDF" in _err(p)


def test_malformed_pdf(tmp_path):
    p = tmp_path / "broken.pdf"
    p.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ngarbage" * 3)
    assert "damaged or malformed" in _err(p) or "no pages" in _err(p)


def test_encrypted_pdf(tmp_path):
    import pypdf

    w = pypdf.PdfWriter(clone_from=str(DOCS / "nair_annual_review_2024.pdf"))
    w.encrypt(user_password="secret", owner_password="owner")
    p = tmp_path / "locked.pdf"
    with open(p, "wb") as f:
        w.write(f)
    assert "password-protected" in _err(p)


def test_scanned_pdf_without_text_says_so(tmp_path):
    import pypdf

    w = pypdf.PdfWriter()
    w.add_blank_page(width=595, height=842)
    w.add_blank_page(width=595, height=842)
    p = tmp_path / "scan.pdf"
    with open(p, "wb") as f:
        w.write(f)
    msg = _err(p)
    assert "no text layer" in msg and "OCR" in msg


def test_empty_file(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    assert "empty" in _err(p)


def test_whitespace_only_file(tmp_path):
    p = tmp_path / "blank.md"
    p.write_text("\n\n   \n")
    assert "no text" in _err(p)


def test_binary_renamed_txt(tmp_path):
    p = tmp_path / "data.txt"
    p.write_bytes(b"\x00\x01\x02binary\x00" * 100)
    assert "binary" in _err(p)


def test_too_big_is_refused_before_reading(tmp_path, monkeypatch):
    p = tmp_path / "huge.txt"
    with open(p, "wb") as f:  # sparse 51 MB file: cheap to make
        f.seek(51 * 1024 * 1024)
        f.write(b"x")
    from pathlib import Path

    def boom(self):
        raise AssertionError("the file was read")
    monkeypatch.setattr(Path, "read_bytes", boom)
    msg = _err(p, max_file_mb=50)
    assert "limit is 50 MB" in msg and "max_file_mb" in msg


def test_unsupported_type(tmp_path):
    p = tmp_path / "sheet.xlsx"
    p.write_bytes(b"PK\x03\x04")
    msg = _err(p)
    assert "unsupported file type '.xlsx'" in msg and ".pdf" in msg


def test_missing_file(tmp_path):
    assert "not found" in _err(tmp_path / "nope.pdf")


def test_docx_that_is_not_a_zip(tmp_path):
    p = tmp_path / "letter.docx"
    p.write_text("just text pretending to be Word")
    assert "not a DOCX" in _err(p)
