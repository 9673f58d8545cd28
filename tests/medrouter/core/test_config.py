import pytest
import yaml

from medrouter.core.config import load_config, parse_config
from medrouter.core.errors import ConfigError

from ...conftest import CONFIG


def _data():
    return yaml.safe_load(CONFIG.read_text())


def test_shipped_config_is_valid():
    s = load_config(CONFIG)
    assert s.route_names == ["out_of_scope", "medical_qa", "summarization", "advice"]
    assert s.expert_for_route("medical_qa").name == "medical_qa"
    assert s.expert_for_route("out_of_scope") is None


def test_every_error_is_reported_at_once_with_its_yaml_path():
    d = _data()
    d["experts"][0]["generation"]["max_new_tokens"] = -1
    d["experts"][1]["route"] = "nowhere"
    d["base_model"]["quantisation"] = "nf4"  # typo of a real key
    with pytest.raises(ConfigError) as e:
        parse_config(d, "x.yaml")
    msg = str(e.value)
    assert "experts[0].generation.max_new_tokens" in msg
    assert "base_model.quantisation" in msg
    # cross-field problems are checked once the structure is valid
    d = _data()
    d["experts"][1]["route"] = "nowhere"
    d["routes"].append(dict(d["routes"][1]))
    with pytest.raises(ConfigError) as e:
        parse_config(d, "x.yaml")
    assert "experts[1].route: 'nowhere'" in str(e.value) and "duplicate route 'medical_qa'" in str(e.value)


def test_malformed_yaml_names_the_line(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("routes:\n  - name: a\n    examples: [unclosed\n")
    with pytest.raises(ConfigError, match="line"):
        load_config(p)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_relative_paths_resolve_against_the_yaml(tmp_path):
    d = _data()
    d["experts"][0]["adapter"] = "adapters/x"
    s = parse_config(d, str(tmp_path / "cfg.yaml"))
    assert s.expert("medical_qa").adapter == str(tmp_path / "adapters/x")


def test_routing_fingerprint_does_not_depend_on_where_the_repo_is(tmp_path):
    # the committed router head must be accepted by a clone in any folder (CI clones elsewhere)
    d = _data()
    for sub in ("a", "b"):
        folder = tmp_path / sub / "data/routing"
        folder.mkdir(parents=True)
        (folder / "train.jsonl").write_bytes((CONFIG.parent / "data/routing/train.jsonl").read_bytes())
    fa = parse_config(_data(), str(tmp_path / "a" / "experts.yaml")).routing_fingerprint()
    fb = parse_config(d, str(tmp_path / "b" / "experts.yaml")).routing_fingerprint()
    assert fa == fb == load_config(CONFIG).routing_fingerprint()
