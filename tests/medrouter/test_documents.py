from pathlib import Path

from medrouter.documents import _is_path, load_text

from ..conftest import ROOT


def test_a_pasted_string_is_never_read_as_a_server_file():
    # "/etc/passwd" pasted into the summarize box is text, not a file to open on the server
    assert not _is_path("/etc/passwd")
    assert not _is_path(str(ROOT / "README.md"))
    assert _is_path(Path(ROOT / "README.md"))


def test_load_text_reads_a_report_file():
    text, pages = load_text(ROOT / "data/eval_docs/ellison_echo_2024.md")
    assert "LVEF" in text or "ejection" in text.lower()
    assert pages >= 1
