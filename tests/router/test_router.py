"""The router on the real MiniLM embedder and the committed head: routes, hard inputs, fitting, eval."""
import numpy as np
import pytest

from medrouter.core.errors import ConfigError, InputError
from router import Router
from router.data import training_examples
from router.evaluate import evaluate
from router.fit import fit_head

REPORT = "\n".join(["PHYSICAL EXAMINATION REPORT", "Name: John Roe   Age: 54", "Vital signs: BP 150/95 mmHg, HR 88 bpm"] +
                   [f"Finding {i}: Abdomen soft, non-tender. Heart sounds normal, no murmurs." for i in range(600)])


@pytest.mark.parametrize("text,docs,route", [
    ("What are the symptoms of anemia?", False, "medical_qa"),
    ("How do I configure nginx as a reverse proxy?", False, "out_of_scope"),
    ("Please summarize this report for me:\n\n" + REPORT, False, "summarization"),
    (REPORT + "\n\nCan you give me the key points of the above?", False, "summarization"),
    ("Based on my discharge letter, when can I start driving again?", True, "advice"),
])
def test_routes(rt, text, docs, route):
    d = rt.route(text, has_documents=docs)
    assert d.route == route, d.to_dict()
    assert abs(sum(d.scores.values()) - 1.0) < 1e-4  # calibrated probabilities


def test_emergency_whatever_the_route(rt):
    d = rt.route("I have crushing chest pain and my left arm is numb, what should I do?")
    assert d.emergency == "chest_pain" and not d.refused
    assert rt.route("How do I kill the process that holds port 8080?").emergency is None


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x01\x02"])
def test_empty_input_is_a_clear_error(rt, text):
    with pytest.raises(InputError, match="empty request"):
        rt.route(text)


@pytest.mark.parametrize("text", [
    "x" * 200_000,
    "Summarize this please. " + "lorem ipsum dolor " * 12_000,
    bytes(range(256)).decode("latin-1") * 50,
    "😀🔥🎉🙏" * 20,
    "¿Qué es la diabetes? What is diabetes? 糖尿病とは何ですか",
    "a",
])
def test_hard_inputs_get_a_decision(rt, text):
    d = rt.route(text)
    assert d.route in rt.routes and 0.0 <= d.confidence <= 1.0


def test_nonsense_is_refused(rt):
    for text in ["😀🔥🎉🙏", "asdkjh qwe zxc"]:
        assert rt.route(text).refused


def test_batch_matches_single_and_has_documents_per_request(rt):
    texts = ["What is hypertension?", "What does my care plan say about diet?"]
    batch = rt.route_batch(texts, [False, True])
    single = [rt.route(texts[0]), rt.route(texts[1], has_documents=True)]
    assert [d.route for d in batch] == [d.route for d in single]
    np.testing.assert_allclose([d.confidence for d in batch], [d.confidence for d in single], atol=1e-4)
    with pytest.raises(InputError):
        rt.route_batch(texts, [True])


def test_unknown_classifier_is_a_config_error(settings, embedder):
    with pytest.raises(ConfigError, match="unknown classifier 'nope'.*logreg"):
        Router(settings, embedder=embedder, classifier="nope")


def test_route_threshold_from_config_refuses(settings, embedder):
    s = settings.model_copy(deep=True)
    s.router.min_confidence = 0.999999  # a floor nobody reaches: every in-scope route is refused
    # a question no emergency pattern or head flags (an emergency is never refused)
    d = Router(s, embedder=embedder, head=Router(settings, embedder=embedder).classifier.head).route(
        "What is a normal resting heart rate?")
    assert d.refused and d.reason == "below_threshold" and d.predicted == "medical_qa"


def test_floor_applies_to_being_in_scope_not_to_the_top_expert(settings, embedder):
    """A request torn between two experts is still in scope: the floor is compared with
    P(in scope) = 1 - P(out of scope), not with the top expert's own probability."""
    head = Router(settings, embedder=embedder).classifier.head
    # (no document named: "this result" would make it a summary of the user's document, never refused)
    text = "Should I be worried? Please summarise it."
    d = Router(settings, embedder=embedder, head=head).route(text, has_documents=True)
    assert d.in_scope == pytest.approx(1 - d.scores["out_of_scope"])
    assert d.confidence < d.in_scope - 0.05  # torn between summarization and advice
    s = settings.model_copy(deep=True)
    s.router.min_confidence = (d.confidence + d.in_scope) / 2  # above the top expert, below in-scope
    kept = Router(s, embedder=embedder, head=head).route(text, has_documents=True)
    assert not kept.refused and kept.route == d.predicted
    s.router.min_confidence = min(1.0, d.in_scope + 1e-3)
    refused = Router(s, embedder=embedder, head=head).route(text, has_documents=True)
    assert refused.refused and refused.reason == "below_threshold"


def test_fit_on_a_subset_learns_and_calibrates(settings, embedder, rt):
    rows = training_examples(settings)
    by = {}
    for e in rows:
        if len(e.text) < 300:
            by.setdefault(e.label, []).append(e)
    subset = [e for r in settings.route_names for e in by[r][:25]]
    head = fit_head(settings, rt, examples=subset)
    assert head.info["folds"] == 5 and head.info["examples"] == len(subset)
    assert 0.0 < head.threshold < 1.0 and head.temperature > 0
    r = Router(settings, embedder=embedder, head=head)
    assert r.route("What causes high blood pressure?").route == "medical_qa"
    assert r.route("What is the best pizza dough recipe?").refused


def test_dev_split_quality(rt, dev_examples):
    res = evaluate(rt, dev_examples)
    # Floors a little under the measured numbers (see the report in router/README.md): a regression
    # in routing_text, features or fitting shows up here.
    assert res["accuracy"] >= 0.955, res["misrouted"][:10]  # measured 0.9675
    assert res["out_of_scope_recall"] >= 0.955  # measured 0.975
    assert res["false_refusal_rate"] <= 0.04  # measured 0.029
    assert res["emergency"]["detected"] == res["emergency"]["tagged"]
    assert set(res["confusion"]) == set(rt.routes)
    assert res["latency_ms"]["p50"] > 0


def test_train_and_dev_share_no_request(settings):
    from router.data import load_labeled

    norm = lambda t: " ".join(t.lower().split())  # noqa: E731
    dev = {norm(e.text) for e in load_labeled(settings.router.dev_file, settings.route_names)}
    train = [norm(e.text) for e in load_labeled(settings.router.train_file, settings.route_names)]
    assert len(train) >= 1700 and not dev.intersection(train)


def test_emergency_is_never_refused(rt):
    for text in ["Me duele mucho el pecho y me cuesta respirar, ¿qué hago?", "I feel like I might hurt myself tonight."]:
        d = rt.route(text)
        assert d.emergency and not d.refused and d.route != "out_of_scope"
