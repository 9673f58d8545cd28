"""`medrouter ingest / docs / retrieve` end to end, in-process (models cached per session)."""
from __future__ import annotations

import json

import pytest

from medrouter.app.cli import main


@pytest.fixture
def cfg(tmp_path, settings):
    """A copy of the shipped config whose store lives in a temp folder."""
    import yaml

    data = yaml.safe_load(open(settings.source_path))
    data["retrieval"]["store_dir"] = str(tmp_path / "store")
    root = settings.source_path.rsplit("/", 1)[0]
    for key in ("train_file", "dev_file", "head_path"):
        if data["router"].get(key):
            data["router"][key] = f"{root}/{data['router'][key]}"
    p = tmp_path / "experts.yaml"
    p.write_text(yaml.safe_dump(data))
    return str(p)


def test_ingest_list_retrieve_remove(cfg, tiny, capsys, embedder):
    assert main(["ingest", str(tiny / "echo_2021.md"), str(tiny / "diet.txt"), "--collection", "cli", "--json",
                 "--config", cfg]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [a["source"] for a in report["added"]] == ["echo_2021.md", "diet.txt"]
    assert main(["retrieve", "how much salt a day", "--collection", "cli", "--k", "1", "--json", "--config", cfg]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["source"] == "diet.txt" and "6 g of salt" in rows[0]["text"] and {"page", "score"} <= set(rows[0])
    assert main(["docs", "list", "--collection", "cli", "--json", "--config", cfg]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert main(["docs", "remove", "diet.txt", "--collection", "cli", "--config", cfg]) == 0
    assert "removed diet.txt" in capsys.readouterr().out


def test_cli_errors_are_one_line(cfg, tmp_path, capsys):
    bad = tmp_path / "x.exe"
    bad.write_bytes(b"MZ")
    assert main(["retrieve", "x", "--collection", "../etc", "--config", cfg]) == 2
    err = capsys.readouterr().err
    assert err.startswith("medrouter: error: invalid collection name") and err.count("\n") == 1
    assert main(["ingest", str(bad), "--collection", "c", "--config", cfg]) == 2
    assert "unsupported file type" in capsys.readouterr().err  # errors go to stderr
