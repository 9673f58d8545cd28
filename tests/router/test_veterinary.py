"""The vet rule (router/text.py: asks_about_animal_health; router/router.py, reason `veterinary`): an
animal's health is out of scope, a person's health involving an animal is not."""
import json

import pytest

from router.text import asks_about_animal_health, split_request

from .conftest import DATA

ANIMAL_HEALTH = [
    "my dog is vomiting what should I give him",
    "can cats take ibuprofen",
    "dosage of amoxicillin for my cat",
    "how much benadryl for a 30 lb dog",
    "is garlic toxic to dogs",
    "my dog's bloodwork came back with a high ALT",
    "my vet sent me the x-ray of my dog's hip, what does it show",
    "my dog was stung by a bee and his face is swollen",
    "how often should I deworm my kitten",
    "mi perro está vomitando, ¿qué le doy?",
    "¿qué dosis de paracetamol para mi gato?",
    "mon chat ne mange plus depuis deux jours",
    "quel médicament donner à mon chien qui tousse",
    "mein Hund hustet seit gestern",
    "darf ich meinem Hund Ibuprofen geben",
    "il mio gatto vomita da ieri, cosa gli do?",
    "dosaggio di amoxicillina per il mio gatto",
    "meu cachorro está com tosse, o que eu dou?",
    "posso dar dipirona para o meu gato?",
]

PERSON_AND_ANIMAL = [
    "rabies shots after a dog bite",
    "cat scratch fever",
    "toxoplasmosis from cat litter while pregnant",
    "allergic to my dog",
    "my dog bit me, do I need a tetanus shot?",
    "can I get ringworm from my cat?",
    "my daughter was scratched by our kitten and the cut is red",
    "is it safe to walk my dog after a hip replacement",
    "what's a charley horse",
    "CT vs PET scan",
    "vacuna de la rabia después de una mordedura de perro",
    "mi gato me arañó y se me hinchó la mano",
    "mon chien m'a mordu, faut-il un vaccin ?",
    "mein Hund hat mich gebissen, brauche ich eine Tetanusimpfung?",
    "il mio gatto mi ha graffiato, devo preoccuparmi?",
    "meu cachorro me mordeu, preciso de vacina antirrábica?",
]


def test_a_dose_given_to_a_pet_with_a_clitic_pronoun():
    assert asks_about_animal_health("posso darla anche al mio gatto che ha il raffreddore?")
    assert asks_about_animal_health("¿puedo darlo a mi perro?")
    assert not asks_about_animal_health("posso darla a mia figlia?")


@pytest.mark.parametrize("text", ANIMAL_HEALTH)
def test_an_animals_health_is_veterinary(text):
    assert asks_about_animal_health(text)


@pytest.mark.parametrize("text", PERSON_AND_ANIMAL)
def test_a_persons_health_involving_an_animal_is_not(text):
    assert not asks_about_animal_health(text)


def test_no_in_scope_training_or_dev_request_matches():
    """On train, dev and dev2 the rule matches out-of-scope requests only (92 / 0 / 12)."""
    hits = {}
    for name in ("train", "dev", "dev2"):
        for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if asks_about_animal_health(split_request(row["text"]).instruction):
                hits.setdefault(name, []).append((row["label"], row["text"][:80]))
    assert all(label == "out_of_scope" for rows in hits.values() for label, _ in rows), hits
    assert len(hits.get("train", [])) >= 90 and len(hits.get("dev2", [])) >= 10


def test_the_router_refuses_an_animals_health_and_leaves_a_persons_to_the_head(rt):
    for d in rt.route_batch(ANIMAL_HEALTH):
        # an emergency is never refused, an animal's included (the bee sting: anaphylaxis patterns)
        assert d.refused or d.reason == "emergency", d
    for d in rt.route_batch(PERSON_AND_ANIMAL):
        assert d.reason != "veterinary", d


def test_an_emergency_is_still_never_refused(rt):
    d = rt.route("my dog bit my son's face and it won't stop bleeding")
    assert not d.refused


LEGAL = ["can I sue the hospital over the delay mentioned in it?", "should i sue my doctor for a wrong diagnosis",
         "how do I start a medical negligence claim", "kann ich das Krankenhaus verklagen?",
         "puedo demandar al hospital por el error?"]
NOT_LEGAL = ["summarize my discharge letter for my solicitor", "Sue my sister has asthma, what inhaler is best?",
             "what does my lawyer need from my medical records"]


def test_suing_and_legal_claims_are_refused_and_documents_for_a_lawyer_are_not(rt):
    from router.text import asks_legal

    assert all(asks_legal(t) for t in LEGAL) and not any(asks_legal(t) for t in NOT_LEGAL)
    for d in rt.route_batch(LEGAL):
        assert d.refused, d  # by the classifier or, where it would answer, by the rule
    for line_set in ("train", "dev", "dev2"):  # no in-scope request of the routing data asks it
        for line in (DATA / f"{line_set}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            assert not (asks_legal(split_request(row["text"]).instruction) and row["label"] != "out_of_scope"), row
