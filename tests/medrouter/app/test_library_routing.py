"""A request the router doubts but that names a reference page is answered from the library."""
import pytest


@pytest.mark.parametrize("text", ["my sister was just told she has polycystic ovary syndrome, what is that exactly",
                                  "how often can you donate blood"])
def test_a_doubted_request_that_names_a_page_is_answered(assistant, router, reference_library, monkeypatch, text):
    # Real requests that name a page, more than router/terms.py's six words (its medical_term rule would
    # answer them before this path). Whether today's head doubts them moves with every refit ("what is
    # pcos" stopped being doubted and this case skipped silently); when the head answers one, every floor
    # is put out of reach so the router's own decision is "below_threshold", the path under test.
    raw = router.route(text)
    if not (raw.refused and raw.reason == "below_threshold"):
        assert raw.predicted != router.oos, f"the head puts {text!r} out of scope: pick another example"
        monkeypatch.setattr(router, "floors", dict.fromkeys(router.floors, 1.01))
        raw = router.route(text)
    assert raw.refused and raw.reason == "below_threshold" and raw.predicted != router.oos
    d = assistant.route(text)
    assert not d.refused and d.route == raw.predicted and d.reason == "names_reference_page"


@pytest.mark.parametrize("text", ["write a rap about cholesterol for my biology class project",
                                  "What is blockchain?"])
def test_what_the_classifier_puts_out_of_scope_stays_refused(assistant, reference_library, text):
    d = assistant.route(text)
    assert d.refused and d.reason != "names_reference_page"


def test_a_doubted_request_that_names_no_page_stays_refused(assistant, router, reference_library):
    from dataclasses import replace

    doubted = replace(router.route("What is blockchain?"), reason="below_threshold", predicted="medical_qa")
    assert assistant._named_in_library(doubted, "What is blockchain?") is doubted


def test_a_doubt_on_a_named_page_goes_to_the_route_ranked_first(assistant, router, reference_library):
    from dataclasses import replace

    doubted = replace(router.route("what is pcos"), route="out_of_scope", refused=True, reason="below_threshold",
                      predicted="medical_qa")
    d = assistant._named_in_library(doubted, "what is pcos")
    assert (d.route, d.refused, d.reason) == ("medical_qa", False, "names_reference_page")
