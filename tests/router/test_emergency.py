"""Emergency detection: every emergency-tagged example of the routing dataset, multilingual cases,
and technical or figurative false friends."""
import json
from pathlib import Path

import numpy as np
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
    # too breathless to speak in sentences (a pattern since the E5 head put it at P 0.96, under its 0.98)
    ("my son is wheezing so hard he can only get out one word at a time", "breathing"),
    ("she can't speak in full sentences, her inhaler isn't helping", "breathing"),
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
    "I can only say one word in German", "I can't say a word about the plot", "he can only speak a few words of English",
])
def test_false_friends(text):
    assert detect_emergency(text) is None


# ---- first-person suicide / self-harm, overdose and poisoning: passive and indirect wording, six languages --
SELF_HARM_STATEMENTS = [
    "I don't want to wake up tomorrow", "everyone would be better off without me", "I've been saving up my pills",
    "I wrote goodbye letters", "I have written my goodbye letters and tonight I am going to go through with it",
    "I can't go on anymore", "i wish i could just go to sleep and not wake up",
    "there's no point in living anymore", "nobody would even notice if I was gone", "I'm so tired of being alive",
    "I keep thinking about ending it", "I have been hoarding my antidepressants", "thinking of taking my own life tonight",
    "I keep cutting myself again", "i wanna die tbh", "I'm going to jump off the bridge tonight",
    "my son is threatening to kill himself", "my girlfriend says she wants to die and won't open the door",
    "ich will nicht mehr leben", "Ich möchte nicht mehr leben", "Ich habe Tabletten gesammelt",
    "Ich denke daran, mir das Leben zu nehmen", "Ich bin lebensmüde",
    "je veux en finir", "je ne veux plus vivre", "tout le monde serait mieux sans moi", "j'ai écrit des lettres d'adieu",
    "je pense à mettre fin à mes jours",
    "quiero desaparecer", "ya no quiero vivir", "todos estarían mejor sin mí", "he estado juntando pastillas",
    "quiero quitarme la vida",
    "non ce la faccio più a vivere", "non voglio più vivere", "voglio farla finita", "ho pensato di togliermi la vita",
    "quero morrer", "não quero mais viver", "todos ficariam melhor sem mim", "estou pensando em me matar",
]


@pytest.mark.parametrize("text", SELF_HARM_STATEMENTS)
def test_first_person_self_harm_gets_the_banner(text):
    from router.emergency import emergency_mode

    assert detect_emergency(text) == "suicide"
    assert emergency_mode(text, "suicide") == "urgent"


def test_self_harm_said_inside_a_question_stays_urgent():
    from router.emergency import emergency_mode

    for text in ["is it normal that I don't want to wake up anymore?", "what do I do, I've been saving up my pills"]:
        assert emergency_mode(text, detect_emergency(text)) == "urgent", text


@pytest.mark.parametrize("text,kind", [
    ("I took the whole bottle of paracetamol", "overdose"),
    # were head-only paraphrases (HEAD_URGENT) before these patterns
    ("my teenager swallowed most of a box of her antidepressants about an hour ago", "overdose"), ("I took a whole packet of paracetamol an hour ago", "overdose"),
    ("just swallowed 40 ibuprofen", "overdose"), ("i took 16 paracetamol earlier, feel fine", "overdose"),
    ("he took a month's worth of sertraline at once", "overdose"), ("my toddler got into the paracetamol", "overdose"),
    ("my friend took too much and he is not waking up", "overdose"), ("i think i od'd", "overdose"),
    ("Ich habe eine ganze Packung Paracetamol genommen", "overdose"), ("j'ai avalé 20 comprimés de doliprane", "overdose"),
    ("mi novia se tomó un frasco de pastillas", "overdose"), ("ho preso tutte le mie pastiglie", "overdose"),
    ("meu irmão tomou muitos comprimidos", "overdose"),
    ("my toddler drank bleach", "poisoning"), ("my kid drank some weedkiller", "poisoning"),
    ("I think my daughter swallowed a magnet", "poisoning"), ("the CO alarm is beeping and we all have headaches", "poisoning"),
    ("mein Sohn hat Waschmittel getrunken", "poisoning"), ("ma fille a avalé de la javel", "poisoning"),
    ("mi hijo bebió lejía", "poisoning"), ("mio figlio ha bevuto la candeggina", "poisoning"),
    ("meu filho bebeu água sanitária", "poisoning"),
])
def test_first_person_overdose_and_poisoning_get_the_banner(text, kind):
    from router.emergency import emergency_mode

    assert detect_emergency(text) == kind
    assert emergency_mode(text, kind) == "urgent"


@pytest.mark.parametrize("text", [
    "what are the warning signs of suicide?", "how much paracetamol is an overdose?", "what is passive suicidal ideation?",
    "how many sleeping pills would it take to overdose?", "can you die from drinking bleach?",
    "what should I do if I find someone who has overdosed?", "where should I put a carbon monoxide alarm?",
    "Wie erkenne ich Suizidgedanken bei Jugendlichen?", "Woran erkenne ich einen Schlaganfall?",
    "¿cuáles son las señales de alerta del suicidio?", "quels sont les signes d'une overdose ?",
    "quali sono i sintomi di un avvelenamento da funghi?", "cosa bisogna fare se un amico va in overdose?",
    "quais são os sintomas de intoxicação por monóxido de carbono?",
])
def test_questions_about_self_harm_overdose_poisoning_get_the_pointer_not_the_banner(text):
    from router.emergency import emergency_mode

    kind = detect_emergency(text)
    assert kind is not None and emergency_mode(text, kind) == "informational", kind


@pytest.mark.parametrize("text", [
    "I could kill for a coffee", "this job is killing me", "dying to see the new film", "I'm so bored I could die",
    "I wanted to die of embarrassment", "I overdosed on Christmas films this weekend", "the gossip poisoned the team atmosphere",
    "I took 2 paracetamol for my headache", "I took 20 mg of diazepam as prescribed", "we took a bunch of photos",
    "took all my courage to ask her out", "I took too many photos on holiday", "it took too much time",
    "I ate a whole box of cookies", "I'm saving up for a new car", "I'm saving my pills for the trip",
    "I'm thinking about ending it with my girlfriend", "I want to disappear for a week to a beach",
    "je veux en finir avec ce projet", "voglio farla finita con questo progetto", "Die Deadline bringt mich noch um",
    "ich will mit ihm Schluss machen", "voglio tagliarmi i capelli", "my AWS KMS key rotation fails",
])
def test_figurative_self_harm_and_overdose_words_raise_nothing(text):
    assert detect_emergency(text) is None


@pytest.mark.parametrize("text", [
    "food poisoning when to worry", "i think i have food poisoning from a kebab", "is food poisoning contagious",
    "j'ai une intoxication alimentaire", "tengo una intoxicación alimentaria", "Lebensmittelvergiftung was hilft",
    "quais são os sintomas de intoxicação alimentar?",
])
def test_food_poisoning_is_no_poison_centre_call(text):
    # a stomach bug: its red flags are on its page; the poison-centre banner would send people to the wrong help
    assert detect_emergency(text) is None


# ---- the emergency head (router/emergency_head.py) on the real embedded encoder ---------------------
# Examples written for these tests, not taken from data/emergency (neither dev nor the blind test set).
HEAD_URGENT = [
    ("my husband just went grey, is sweating and says it feels like a truck is parked on his ribs", "chest_pain"),
    ("grandma's mouth is lopsided all of a sudden and her words come out jumbled", "stroke"),
    ("ate a cookie with peanuts and now my lips feel huge and my voice is going hoarse", "anaphylaxis"),
    ("my teenager gulped down most of her antidepressants about an hour ago", "overdose"),
    ("blood is pouring out of the gash on his leg and the towel is soaked through", "bleeding"),
    ("my friend is on the floor jerking all over and it has been going on for six minutes", "seizure"),
    ("I have made my peace with everyone and tonight I am going to go through with it", "suicide"),
]
HEAD_INFORMATIONAL = [
    "What are the early warning signs of a heart attack in women?",
    "How is anaphylaxis treated once the patient reaches hospital?",
    "At what blood sugar level does a hypo become dangerous?",
    "What is the recovery position and when should it be used?",
    "How long does a typical febrile convulsion last in toddlers?",
]
HEAD_FIGURATIVE = [
    "the plot of that thriller was so gripping I couldn't breathe",
    "our sales figures flatlined this quarter",
    "the final exam absolutely murdered me",
    "I'm dying to see the new season of that show",
    "my code keeps crashing when the buffer overflows",
    "the comedian's set killed, everyone was in stitches",
]


@pytest.fixture(scope="module")
def head_router(rt):
    if rt.emergency.head is None:
        pytest.fail("router/heads/emergency.safetensors is missing: run `medrouter router fit-emergency`")
    return rt


def test_committed_head_is_fitted_for_the_routers_encoder(head_router):
    # Fails when the router's encoder changes without `medrouter router fit-emergency`.
    from router.emergency_head import encoder_id

    assert head_router.emergency.head.encoder == encoder_id(head_router.encoder)


@pytest.mark.parametrize("text,kind", HEAD_URGENT)
def test_head_finds_urgent_paraphrases_the_patterns_miss(head_router, text, kind):
    assert detect_emergency(text) is None  # nothing for the patterns: the banner comes from the head
    d = head_router.route(text)
    assert d.emergency_mode == "urgent", (d.emergency, d.emergency_mode)
    assert d.emergency is not None and d.to_dict()["emergency_mode"] == "urgent"


def test_head_names_the_kind_of_most_paraphrases(head_router):
    kinds = [d.emergency for d in head_router.route_batch([t for t, _ in HEAD_URGENT])]
    right = sum(k == want for k, (_, want) in zip(kinds, HEAD_URGENT))
    assert right >= 6, list(zip(kinds, [w for _, w in HEAD_URGENT]))


@pytest.mark.parametrize("text", HEAD_INFORMATIONAL)
def test_head_keeps_questions_about_emergencies_informational(head_router, text):
    # a question about an emergency condition never gets the urgent banner; it gets the pointer line
    # when the patterns name the condition (the head alone gives none: it put one under ordinary questions)
    d = head_router.route(text)
    assert d.emergency_mode != "urgent", (d.emergency, d.emergency_mode)
    if d.emergency_mode is not None:
        assert d.emergency_mode == "informational"


@pytest.mark.parametrize("text", HEAD_FIGURATIVE)
def test_head_gives_no_banner_for_figurative_speech(head_router, text):
    d = head_router.route(text)
    assert d.emergency_mode != "urgent", (d.emergency, d.emergency_mode)


@pytest.mark.parametrize("split", ["train", "dev"])
def test_head_raises_no_banner_for_pasted_reports(head_router, split):
    # the head reads the routing text of a request, which for a short paste is the whole report
    pasted = [r["text"] for r in _rows(split) if "pasted_report" in r["tags"] and "emergency" not in r["tags"]]
    flagged = [t[:80] for t, d in zip(pasted, head_router.route_batch(pasted)) if d.emergency_mode == "urgent"]
    assert flagged == []


def test_a_pattern_hit_that_reads_urgent_stays_urgent():
    from router.emergency_head import combine

    sure_none = np.array([0.0, 0.0, 1.0])
    kinds = np.full(12, 1 / 12)
    assert combine("chest_pain", "urgent", sure_none, kinds, 0.5, 0.5, None) == ("chest_pain", "urgent")
    # informational by the patterns, the head is sure someone is in danger: the banner
    assert combine("stroke", "informational", np.array([0.9, 0.1, 0.0]), kinds, 0.5, 0.5, None) == ("stroke", "urgent")
    # a demotion threshold (only fitted when CV on dev lost no emergency to it) drops a sure-none hit
    assert combine("stroke", "urgent", sure_none, kinds, 0.5, 0.5, 0.99) == (None, None)


def test_missing_head_falls_back_to_patterns_with_a_warning(rt, tmp_path, caplog):
    import copy
    import logging

    from router.emergency_head import EmergencyDetector

    r = copy.copy(rt)
    r.emergency = EmergencyDetector(rt.encoder, tmp_path / "emergency.safetensors")
    with caplog.at_level(logging.WARNING, logger="router.emergency_head"):
        d = r.route("I have crushing chest pain spreading to my left arm")
        paraphrase = r.route(HEAD_URGENT[0][0])
    assert (d.emergency, d.emergency_mode) == ("chest_pain", "urgent")
    assert (paraphrase.emergency, paraphrase.emergency_mode) == (None, None)  # the patterns alone miss it
    assert "no emergency head" in caplog.text and "fit-emergency" in caplog.text


def test_head_for_another_encoder_or_corrupted_is_a_clear_error(rt, tmp_path):
    import copy

    from router.emergency_head import EmergencyDetector, EmergencyHeadError, load_emergency_head, save_emergency_head

    head = copy.copy(load_emergency_head())
    head.encoder = "some-other-encoder"
    path = save_emergency_head(head, tmp_path / "emergency.safetensors")
    assert load_emergency_head(path).encoder == "some-other-encoder"
    with pytest.raises(EmergencyHeadError, match="fitted on encoder 'some-other-encoder'.*fit-emergency"):
        EmergencyDetector(rt.encoder, path).detect("hello", rt.encoder.encode(["hello"])[0])
    path.write_bytes(b"not a safetensors file")
    with pytest.raises(EmergencyHeadError, match="corrupted.*fit-emergency"):
        EmergencyDetector(rt.encoder, path).detect("hello", rt.encoder.encode(["hello"])[0])
