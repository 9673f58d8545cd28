"""Reference source readers on small fixtures in each source's real schema (no model needed)."""
from pathlib import Path

import pytest

from medrouter.core.errors import RetrievalError
from retrieval.config import ReferenceSource
from retrieval.reference import read_source

FIX = Path(__file__).parent / "fixtures" / "reference"


def src(**kw) -> ReferenceSource:
    return ReferenceSource(**kw)


def test_medlineplus_xml_english_topics_with_aliases_sections_and_licence():
    pages = read_source(src(type="medlineplus_xml", path=str(FIX / "mplus_topics_sample.xml")))
    assert [p.title for p in pages] == ["Gout", "Anemia"]  # the Spanish topic is left out
    gout = pages[0]
    assert gout.id == "medlineplus:1361" and gout.url == "https://medlineplus.gov/gout.html"
    assert "Gouty arthritis" in gout.aliases and "Podagra" in gout.aliases
    assert "public domain" in gout.licence and gout.source == "MedlinePlus"
    assert "uric acid builds up" in gout.text
    assert any(s.heading == "What are the symptoms of gout?" for s in gout.sections)
    assert "<p>" not in gout.text and "&lt;" not in gout.text
    assert pages[1].aliases[:2] == ["Anaemia", "Low hemoglobin"]


def test_medlineplus_other_language():
    pages = read_source(src(type="medlineplus_xml", path=str(FIX / "mplus_topics_sample.xml"), language="Spanish"))
    assert [p.title for p in pages] == ["Gota"] and "común" in pages[0].text


def test_medlineplus_broken_xml_names_the_file_and_line():
    with pytest.raises(RetrievalError, match=r"mplus_broken.xml is not well-formed XML \(line \d+"):
        read_source(src(type="medlineplus_xml", path=str(FIX / "mplus_broken.xml")))


def test_medlineplus_wrong_kind_of_xml(tmp_path):
    f = tmp_path / "other.xml"
    f.write_text("<?xml version='1.0'?><catalog><book/></catalog>")
    with pytest.raises(RetrievalError, match="no pages found|not a MedlinePlus"):
        read_source(src(type="medlineplus_xml", path=str(f)))


def test_medlineplus_zip(tmp_path):
    import zipfile

    z = tmp_path / "mplus_topics_compressed.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(FIX / "mplus_topics_sample.xml", "mplus_topics_2026-11-30.xml")
    assert len(read_source(src(type="medlineplus_xml", path=str(z)))) == 2


def test_medquad_xml_skips_removed_answers_and_keeps_provenance():
    pages = read_source(src(type="medquad_xml", path=str(FIX / "medquad")))
    assert [p.title for p in pages] == ["Adult Hodgkin Lymphoma"]  # the ADAM file's answer was removed
    p = pages[0]
    assert p.aliases == ["Hodgkin disease"] and "CancerGov" in p.licence and p.url.startswith("https://www.cancer.gov")
    assert [s.heading for s in p.sections] == ["What is (are) Adult Hodgkin Lymphoma ?",
                                               "What are the symptoms of Adult Hodgkin Lymphoma ?"]


@pytest.mark.parametrize("fixture, titles, licence", [
    ("wiki_medical_terms.jsonl", ["Paracetamol poisoning", "Hypokalemia"], "Wikipedia"),
    ("wikidoc.json", ["What is the definition of hypokalemia?", "What causes cellulitis?"], "WikiDoc"),
    ("medquad.csv", ["Glaucoma", "Shingles"], "MedQuAD"),
])
def test_datasets_by_path_mapped_by_their_columns(fixture, titles, licence):
    pages = read_source(src(type="dataset", path=str(FIX / fixture)))
    assert [p.title for p in pages] == titles
    assert all(licence in p.licence for p in pages)
    assert "[1]" not in pages[0].text  # wiki citation marks would read as our own [n]


def test_medquad_csv_groups_questions_by_focus():
    glaucoma = read_source(src(type="dataset", path=str(FIX / "medquad.csv")))[0]
    assert len(glaucoma.sections) == 2 and "side vision" in glaucoma.text


def test_dataset_without_expected_columns():
    with pytest.raises(RetrievalError, match=r"expected columns .*page_title.*found: label, text"):
        read_source(src(type="dataset", path=str(FIX / "wrong_columns.csv")))


def test_dataset_unreachable_hub_name_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(RetrievalError, match="cannot load"):
        read_source(src(type="dataset", name="gamino/wiki_medical_terms"))


def test_pages_front_matter_and_sections():
    [p] = read_source(src(type="pages", path=str(FIX / "pages")))
    assert p.id == "pages:medicine/aspirin" and p.category == "medicine" and "asprin" in p.aliases
    assert [s.heading for s in p.sections] == ["What it is for", "Interactions and cautions"]


@pytest.mark.parametrize("body, err", [
    ("# No front matter\n\nText.", "no front matter"),
    ("---\ntitle: [unclosed\n---\n# X\n\nText.", "not valid YAML"),
    ("---\naliases: [a]\n---\n# X\n\nText.", "needs a title"),
])
def test_pages_bad_front_matter(tmp_path, body, err):
    (tmp_path / "bad.md").write_text(body)
    with pytest.raises(RetrievalError, match=err):
        read_source(src(type="pages", path=str(tmp_path)))


@pytest.mark.parametrize("kw, err", [
    (dict(type="medlineplus_xml", path="/nonexistent/mplus.xml"), "not found"),
    (dict(type="medquad_xml", path="EMPTY"), "no .xml files"),
    (dict(type="pages", path="EMPTYFILE"), "is empty"),
    (dict(type="nosuch", path="x"), "unknown reference source type"),
])
def test_missing_or_empty_sources(tmp_path, kw, err):
    if kw["path"] == "EMPTY":
        kw["path"] = str(tmp_path)
    if kw["path"] == "EMPTYFILE":
        (tmp_path / "empty.md").write_text("")
        kw["path"] = str(tmp_path / "empty.md")
    with pytest.raises(RetrievalError, match=err):
        read_source(src(**kw))
