"""A request the router doubts but that names a reference page is answered from the library."""
import pytest


@pytest.mark.parametrize("text", ["what is pcos", "how often can you donate blood"])
def test_a_doubted_request_that_names_a_page_is_answered(assistant, router, reference_library, text):
    raw = router.route(text)
    if not (raw.refused and raw.reason == "below_threshold"):
        pytest.skip(f"the router no longer doubts {text!r} ({raw.route}, {raw.reason}): nothing to overrule")
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
