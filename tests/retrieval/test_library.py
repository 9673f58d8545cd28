"""The reference library on the real embedder: build, rebuild, bad sources, coverage."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from medrouter.core.errors import RetrievalError
from retrieval.config import ReferenceSource
from retrieval.library import Library, uncovered_words
from retrieval.store import Store

FIX = Path(__file__).parent / "fixtures" / "reference"


@pytest.fixture
def make_library(settings, embedder, tmp_path):
    def make(*sources: ReferenceSource, store_dir: Path | None = None) -> Library:
        s = settings.model_copy(deep=True)
        s.reference.store_dir = str(store_dir or tmp_path / "ref")
        s.reference.sources = list(sources)
        return Library(s, Store(s, embedder=embedder, root=s.reference.store_dir))
    return make


def pages_dir(tmp_path: Path) -> Path:
    d = tmp_path / "pages"
    shutil.copytree(FIX / "pages", d)
    return d


def test_build_search_and_provenance(make_library, tmp_path):
    lib = make_library(ReferenceSource(type="pages", path=str(pages_dir(tmp_path))),
                       ReferenceSource(type="medlineplus_xml", path=str(FIX / "mplus_topics_sample.xml")))
    r = lib.build()
    assert r["pages"] == 3 and len(r["added"]) == 3
    hits = lib.search("Can aspirin be given to children?")
    assert hits[0].title == "Aspirin" and hits[0].ref["source_name"] == "medrouter starter library"
    gout = lib.search("what is gouty arthritis")[0]  # found by its alias
    assert gout.title == "Gout" and gout.ref["url"] == "https://medlineplus.gov/gout.html"
    assert "public domain" in gout.ref["licence"]
    info = lib.info()
    assert info["pages"] == 3 and info["by_source"] == {"medrouter starter library": 1, "MedlinePlus": 2}


def test_rebuild_reuses_unchanged_pages_and_drops_removed_ones(make_library, tmp_path):
    d = pages_dir(tmp_path)
    lib = make_library(ReferenceSource(type="pages", path=str(d)))
    lib.build()
    again = lib.build()
    assert again["added"] == [] and len(again["skipped"]) == 1 and again["removed"] == []
    (d / "medicine" / "aspirin.md").unlink()
    (d / "medicine" / "ibuprofen.md").write_text(
        "---\ntitle: Ibuprofen\naliases: [Advil]\ncategory: medicine\n---\n# Ibuprofen\n\n## Common side effects\n"
        "Common side effects of ibuprofen include indigestion and heartburn.\n")
    r = lib.build()
    assert [a["source"] for a in r["added"]] == ["pages:medicine/ibuprofen"] and r["removed"] == ["pages:medicine/aspirin"]
    assert lib.search("Advil side effects")[0].title == "Ibuprofen"


def test_a_failed_build_keeps_the_previous_library(make_library, tmp_path):
    store_dir = tmp_path / "ref"
    good = make_library(ReferenceSource(type="pages", path=str(pages_dir(tmp_path))), store_dir=store_dir)
    good.build()
    before = good.search("aspirin and warfarin")
    bad = make_library(ReferenceSource(type="pages", path=str(pages_dir(tmp_path / "x"))),
                       ReferenceSource(type="medlineplus_xml", path=str(FIX / "mplus_broken.xml"), label="NLM dump"),
                       store_dir=store_dir)
    with pytest.raises(RetrievalError, match=r"'NLM dump'.*mplus_broken.xml is not well-formed XML"):
        bad.build()
    after = good.search("aspirin and warfarin")
    assert [h.chunk_id for h in after] == [h.chunk_id for h in before]


def test_empty_and_unbuilt_libraries(make_library, tmp_path):
    with pytest.raises(RetrievalError, match="reference.sources is empty"):
        make_library().build()
    lib = make_library(ReferenceSource(type="pages", path=str(pages_dir(tmp_path))))
    with pytest.raises(RetrievalError, match="is not built; run: medrouter reference build"):
        lib.search("aspirin")


def test_a_library_built_with_another_embedding_model_is_refused(make_library, tmp_path):
    import json

    lib = make_library(ReferenceSource(type="pages", path=str(pages_dir(tmp_path))))
    lib.build()
    d = Path(lib.store.root) / lib.name
    m = d / (d / "CURRENT").read_text().strip() / "manifest.json"
    manifest = json.loads(m.read_text())
    manifest["embedding_model"] = "/models/bge-small-en"
    m.write_text(json.dumps(manifest))
    lib.store._cache.clear()
    with pytest.raises(RetrievalError, match="built with the embedding model bge-small-en.*Rebuild it"):
        lib.search("aspirin")


def test_uncovered_words_names_and_misspellings():
    class H:  # a hit as the check reads it
        def __init__(self, text, title, aliases=()):
            self.text, self.title, self.ref = text, title, {"aliases": list(aliases)}

    known = {"what", "is", "disease", "the", "of", "side", "effects", "kidney", "wilson"}.__contains__
    hits = [H("Chronic kidney disease is long-term damage to the kidneys.", "Chronic kidney disease", ["CKD"]),
            H("Common side effects of ibuprofen include indigestion.", "Ibuprofen", ["Advil", "ibuprofin"])]
    assert uncovered_words("What is Fabry disease?", hits, known) == ["fabry"]
    assert uncovered_words("What is Wilson disease?", hits, known) == ["wilson"]  # a name, though a common word
    assert uncovered_words("side effects of ibuprophen", hits, known) == []  # a near miss of the page's words
    assert uncovered_words("what is chronic kidney disease", hits, known) == []


def test_a_misspelt_name_is_uncommon_though_near_a_common_word():
    from retrieval.library import rare_words

    known = {"after", "stomach", "bug", "barre", "difference"}.__contains__
    vocab = {("g", 7): ["gillian"], ("d", 10): ["difference"]}
    pages = {("g", 8): ["guillain"]}
    # "guillan" is nearer a name the pages use ("guillain") than the common "gillian"
    assert rare_words("guillan barre after a stomach bug", known, vocab, pages) == ["guillan"]
    assert rare_words("guillan barre after a stomach bug", known, vocab) == []
    assert rare_words("diffrence", known, vocab, pages) == []  # a misspelt common word stays common


def test_two_checkouts_share_one_library_without_rewriting_it(make_library, tmp_path):
    store = tmp_path / "shared"
    gens = []
    for checkout in ("a", "b"):  # the same pages in two folders, one library folder
        root = tmp_path / checkout
        shutil.copytree(FIX / "pages", root / "data" / "pages")
        lib = make_library(ReferenceSource(type="pages", path=str(root / "data" / "pages")), store_dir=store)
        lib.settings.source_path = str(root / "experts.yaml")
        lib.build()
        assert lib.info()["sources"][0]["path"] == "data/pages"  # relative to the config's folder
        gens.append((store / lib.name / "CURRENT").read_text())
    assert gens[0] == gens[1]  # the second checkout found it up to date
