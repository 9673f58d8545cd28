"""Emergency detection: every emergency-tagged example of the routing dataset, multilingual cases,
and technical or figurative false friends."""
import json
from pathlib import Path

import pytest

from router import detect_emergency
from router.router import Router
from router.text import split_request

DATA = Path(__file__).resolve().parents[2] / "data" / "routing"


def _rows(name):
    return [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("split", ["train", "dev"])
def test_dataset_emergencies_are_all_detected(split):
    tagged = [r for r in _rows(split) if "emergency" in r["tags"]]
    assert tagged, "the dataset has emergency-tagged examples"
    missed = [r["text"] for r in tagged
              if not detect_emergency(Router._emergency_text(r["text"], split_request(r["text"])))]
    assert missed == []


@pytest.mark.parametrize("split", ["train", "dev"])
def test_pasted_reports_do_not_raise_false_alarms(split):
    # A discharge letter mentioning "chest pain" in the history is not the user's emergency.
    pasted = [r for r in _rows(split) if "pasted_report" in r["tags"] and "emergency" not in r["tags"]]
    flagged = [r["text"][:80] for r in pasted
               if detect_emergency(Router._emergency_text(r["text"], split_request(r["text"])))]
    assert flagged == []


@pytest.mark.parametrize("text,kind", [
    ("I have crushing chest pain spreading to my left arm", "chest_pain"),
    ("my dad's face is drooping and his speech is slurred", "stroke"),
    ("I took 30 paracetamol tablets an hour ago", "overdose"),
    ("I don't want to live anymore, I keep thinking about ending my life", "suicide"),
    ("my toddler swallowed a button battery", "poisoning"),
    ("her throat is closing after a bee sting", "anaphylaxis"),
    ("Me duele mucho el pecho", "chest_pain"),
    ("je veux mourir", "suicide"),
    ("Mein Vater hat Atemnot und Brustschmerzen", "chest_pain"),
])
def test_emergencies(text, kind):
    assert detect_emergency(text) == kind


@pytest.mark.parametrize("text", [
    "kill the process", "how do I kill a zombie process in linux", "kill -9 4242 hangs", "pkill python",
    "this bug is killing me", "stroke width in CSS", "what a stroke of luck", "improve my backstroke",
    "the server is unresponsive", "my laptop battery died", "end my subscription", "end the session",
    "Suicide Squad review", "the startup's burn rate is giving me a heart attack", "choking hazard label",
    "unconscious bias training", "DNS cache poisoning", "collapsed menu in the sidebar",
    "I hurt myself playing football last week",
])
def test_false_friends(text):
    assert detect_emergency(text) is None
