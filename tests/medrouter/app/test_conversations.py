"""Conversations through the Assistant, text hygiene at its doors, and the CLI's (real models)."""
from __future__ import annotations

import json
import random
from dataclasses import replace
import subprocess
import sys
from pathlib import Path

import pytest

from medrouter.app.assistant import Conversation, clean_text, is_follow_up, without_refusal
from medrouter.app.conversation import Conversation as _Moved
from medrouter.core.errors import InputError, MedrouterError

ROOT = Path(__file__).resolve().parents[3]
REFUSAL = ("I can only help with medical questions, medical documents and health advice. "
           "This request is outside what I can help with.")


def _chat(*turns, refused=()):
    msgs = []
    for i, t in enumerate(turns):
        if i:
            msgs.append({"role": "assistant", "content": REFUSAL if i - 1 in refused else "An answer."})
        msgs.append({"role": "user", "content": t})
    return msgs


# ---- the rule ---------------------------------------------------------------------------------
def test_a_follow_up_is_read_with_the_turn_before():
    assert Conversation is _Moved  # medrouter.app.conversation, re-exported by the assistant
    c = Conversation.of(_chat("What is metformin?", "What are its side effects?"), REFUSAL)
    assert c.follows_up and c.request == "What are its side effects?"
    assert c.context == "What is metformin? What are its side effects?"
    assert [m["role"] for m in c.history] == ["user", "assistant"]


def test_a_topic_switch_and_a_turn_after_a_refusal_stand_alone():
    c = Conversation.of(_chat("What is metformin?", "Summarize the history of the Roman empire for me."), REFUSAL)
    assert not c.follows_up and c.context == "Summarize the history of the Roman empire for me."
    c = Conversation.of(_chat("What is bitcoin?", "and what is asthma?", refused=(0,)), REFUSAL)
    assert not c.follows_up and c.context == "and what is asthma?"


def test_three_turns_chain_their_context():
    c = Conversation.of(_chat("What is celiac disease?", "how is that diagnosed", "and in children?"), REFUSAL)
    assert c.context == "What is celiac disease? how is that diagnosed and in children?"


@pytest.mark.parametrize("text, follows", [
    ("side effects?", True), ("and for kids?", True), ("What about treatment", True), ("Is it safe?", True),
    ("Und wie behandelt man ihn?", True), ("thanks. how about in men?", True),
    ("What is the normal range for potassium in blood?", False), ("How do I bake bread at home?", False),
    # a short request that names its own subject is a request of its own, in any language
    ("What is blockchain?", False), ("Explain gout.", False), ("Define sepsis", False), ("¿Qué es la gota?", False),
    ("Erklär Gürtelrose.", False), ("What is it?", True), ("¿y cómo se diagnostica?", True), ("now shorter", True),
    # "even if / when ..." continues the turn before; a question that ends on "here" asks about it
    ("even if I only drink at weekends?", True), ("Even when the rash has gone?", True),
    ("so what does grade 3 mean here?", True), ("Even so, what is the treatment for gout?", False),
    # French "en" points back ("of it"); the preposition before a name or an article does not
    ("combien en faut-il par jour ?", True), ("¿me recomiendas un restaurante en Madrid?", False),
    # a dropped object in Spanish, Italian, Portuguese, French: closed-class words and generic predicates only
    ("posso tomar com álcool?", True), ("¿cuánto tiempo se puede tomar sin problema?", True),
    ("è contagiosa anche per gli adulti?", True), ("on peut la prendre pendant la grossesse ?", True),
    ("o que causa enxaqueca?", False), ("Was ist Migräne?", False),
])
def test_is_follow_up(text, follows):
    assert is_follow_up(text) is follows


def test_a_short_request_with_its_own_subject_does_not_inherit_the_topic():
    c = Conversation.of(_chat("What is metformin?", "Explain gout."), REFUSAL)
    assert not c.follows_up and c.context == "Explain gout."
    c = Conversation.of(_chat("What is metformin?", "What is blockchain?"), REFUSAL)
    assert not c.follows_up and c.context == "What is blockchain?"


def test_a_follow_up_of_a_summary_request_is_joined_to_its_topic():
    c = Conversation.of(_chat("Summarize my MRI report", "do I need surgery for it?"), REFUSAL)
    assert c.follows_up and c.context == "my MRI report do I need surgery for it?"
    c = Conversation.of(_chat("Summarize my MRI report", "shorter please"), REFUSAL)  # asks for a summary itself
    assert c.context == "Summarize my MRI report shorter please"


def test_a_follow_up_is_not_refused_for_the_routers_doubt_alone():
    from router.base import RouteDecision

    unsure = RouteDecision(route="out_of_scope", confidence=0.3, refused=True, reason="below_threshold",
                           predicted="medical_qa")
    follow = Conversation.of(_chat("What is an SSRI?", "examples?"), REFUSAL)
    d = follow.routed(unsure)
    assert d.route == "medical_qa" and not d.refused and d.reason == "follow_up"
    assert Conversation.of("examples?").routed(unsure) is unsure  # a request alone: the router decides
    after_refusal = Conversation.of(_chat("What is bitcoin?", "examples?", refused=(0,)), REFUSAL)
    assert after_refusal.routed(unsure).refused
    oos = RouteDecision(route="out_of_scope", confidence=0.9, refused=True, reason="classifier", predicted="out_of_scope")
    assert Conversation.of(_chat("What is aspirin?", "Write a poem about it."), REFUSAL).routed(oos).refused


def _d(route, scores, reason="classifier", refused=None, **kw):
    from router.base import RouteDecision

    top = max(scores, key=scores.get)
    return RouteDecision(route=route, confidence=scores[top], scores=scores, reason=reason,
                         refused=route == "out_of_scope" if refused is None else refused, predicted=top, **kw)


def _p(oos, qa, summary=0.0, advice=0.0):
    return {"out_of_scope": oos, "medical_qa": qa, "summarization": summary, "advice": advice}


def test_after_an_answered_turn_there_are_two_readings():
    c = Conversation.of(_chat("What is metformin?", "What are its side effects?"), REFUSAL)
    assert c.joined == c.context and c.second_text() == "What are its side effects?"  # a follow-up: the request alone
    c = Conversation.of(_chat("how much vitamin D should adults take daily", "Explain gout."), REFUSAL)
    assert c.context == "Explain gout."
    assert c.second_text() == "how much vitamin D should adults take daily Explain gout."
    after_refusal = Conversation.of(_chat("What is bitcoin?", "and what is asthma?", refused=(0,)), REFUSAL)
    assert after_refusal.second_text() is None
    assert Conversation.of("What is asthma?").second_text() is None


def test_two_readings_are_combined():
    follow = Conversation.of(_chat("What are the symptoms of diabetes?", "write a poem about those"), REFUSAL)
    # joined: in scope by a hair; alone: plainly out of scope -> refused
    d = follow.routed(_d("medical_qa", _p(0.47, 0.52, 0.0, 0.01), reason="follow_up"),
                      _d("out_of_scope", _p(0.999, 0.001)))
    assert d.refused and d.route == "out_of_scope" and d.reason == "conversation"
    # "and for kids?": out of scope alone (it says nothing), in scope joined -> answered
    kids = Conversation.of(_chat("What is the dose of paracetamol for adults?", "and for kids?"), REFUSAL)
    first = _d("medical_qa", _p(0.01, 0.99))
    assert kids.routed(first, _d("out_of_scope", _p(0.91, 0.09))) is first
    # a request of its own that the router doubts alone; the joined reading is sure it is medical
    own = Conversation.of(_chat("how much vitamin D should adults take daily", "can you take too much?"), REFUSAL)
    d = own.routed(_d("out_of_scope", _p(0.55, 0.45), reason="below_threshold"), _d("medical_qa", _p(0.001, 0.999)))
    assert d.route == "medical_qa" and not d.refused and d.reason == "conversation"
    assert abs(sum(d.scores.values()) - 1) < 1e-9 and d.in_scope == 1 - d.scores["out_of_scope"]
    # a topic switch: plainly out of scope alone stays refused whatever the joined reading says
    switch = Conversation.of(_chat("What is metoprolol?", "Tell me a joke"), REFUSAL)
    assert switch.routed(_d("out_of_scope", _p(0.998, 0.002)), _d("medical_qa", _p(0.03, 0.97))).refused


def test_a_subjectless_follow_up_of_an_answered_turn_is_not_refused():
    c = Conversation.of(_chat("Can dogs give you ringworm?", "ok how do you get rid of it"), REFUSAL)
    assert c.follows_up and c.subjectless
    d = c.routed(_d("out_of_scope", _p(0.96, 0.04)), _d("out_of_scope", _p(0.87, 0.13)))
    assert d.route == "medical_qa" and not d.refused and d.reason == "follow_up"
    # words of its own: still refused when both readings say so
    c = Conversation.of(_chat("What is aspirin?", "write a poem about it"), REFUSAL)
    assert not c.subjectless and c.routed(_d("out_of_scope", _p(0.9, 0.1)), _d("out_of_scope", _p(0.99, 0.01))).refused


def test_with_documents_a_follow_up_that_asks_no_summary_is_advice():
    lab = _chat("what's my creatinine in these results?", "and my potassium?")
    joined, alone = _d("summarization", _p(0.001, 0.008, 0.885, 0.106)), _d("advice", _p(0.003, 0.074, 0.059, 0.864))
    c = Conversation.of(lab, REFUSAL)
    assert not c.after_summary
    assert c.routed(joined, alone, has_documents=True).route == "advice"
    assert c.routed(joined, alone).route == "summarization"  # has_documents unknown: the scores as they are
    assert c.routed(joined, alone, has_documents=False).route == "summarization"
    # a follow-up of a request for a summary may continue it ("and the echo part?")
    c = Conversation.of(_chat("Summarize my discharge letter.", "and the echo part?"), REFUSAL)
    assert c.after_summary and c.routed(joined, alone, has_documents=True).route == "summarization"


@pytest.mark.parametrize("text, own", [
    ("so is my level too low?", True), ("what does that mean for me?", True), ("is yours the same as mine?", True),
    ("did the doctor prescribe me the right dose?", True), ("Und was bedeutet das für mich?", True),
    ("et ma tension ?", True), ("¿y mis triglicéridos?", True), ("a minha glicose está alta?", True),
    # "me" as the object of a request is not the user's case; no first person at all is a general question
    ("tell me about lupus", False), ("can you explain to me what a stent is?", False), ("side effects?", False),
    ("how is it usually treated?", False), ("which of these values matter most here?", True),
])
def test_speaks_of_own(text, own):
    from medrouter.app.conversation import speaks_of_own

    assert speaks_of_own(text) is own


def test_with_documents_a_request_about_the_users_own_things_is_advice():
    general = _d("medical_qa", _p(0.01, 0.9, 0.0, 0.09))
    joined = _d("medical_qa", _p(0.02, 0.7, 0.05, 0.23))
    mine = Conversation.of(_chat("What does my thyroid panel show?", "and is the dose they put me on right?"), REFUSAL)
    assert mine.own and mine.follows_up
    assert mine.routed(joined, general, has_documents=True).route == "advice"
    assert mine.routed(joined, general, has_documents=False).route == "medical_qa"  # nothing of theirs to read
    # not a follow-up by rule, but after an answered turn: the same reading
    switch = Conversation.of(_chat("What's in my echo report?", "what does a mild leak mean for my heart?"), REFUSAL)
    assert switch.own and not switch.follows_up
    assert switch.routed(general, joined, has_documents=True).route == "advice"
    # a general follow-up in the same thread stays a general question; a first turn is the router's alone
    general_follow = Conversation.of(_chat("What does my thyroid panel show?", "how is it usually treated?"), REFUSAL)
    assert not general_follow.own
    assert general_follow.routed(joined, general, has_documents=True).route == "medical_qa"
    assert not Conversation.of("what does my report say?").own


@pytest.mark.parametrize("first, follow_up, own", [
    ("Summarize my colonoscopy report", "why 5 years?", True),
    ("What does my liver panel show?", "could alcohol cause that?", True),
    ("Peux-tu résumer mon bilan sanguin ?", "c'est grave ?", True),
    ("Give me a summary of my neurology letter", "side effects?", False),  # true of the drug for everyone
    ("Summarize my gastroscopy report", "what's the usual treatment for it?", False),
    ("What is gout?", "is it serious?", False),  # nothing of the user's in the thread
])
def test_a_follow_up_of_a_turn_about_the_users_own_things_asks_about_them(first, follow_up, own):
    c = Conversation.of(_chat(first, follow_up), REFUSAL)
    assert c.follows_up and c.own is own
    general = _d("medical_qa", _p(0.01, 0.9, 0.0, 0.09))
    route = c.routed(_d("medical_qa", _p(0.02, 0.6, 0.1, 0.28)), general, has_documents=True).route
    assert route == ("advice" if own else "medical_qa")


@pytest.mark.parametrize("first, follow_up", [
    ("What is omeprazole used for?", "Can I take it with coffee?"),
    ("How do I take antibiotics properly?", "what if I miss a dose?"),
    ("How should I store insulin?", "should I still use it if it froze?"),
])
def test_without_documents_a_follow_up_of_a_question_stays_a_question(first, follow_up):
    c = Conversation.of(_chat(first, follow_up), REFUSAL)
    assert c.follows_up and not c.after_summary
    joined, alone = _d("advice", _p(0.01, 0.3, 0.0, 0.69)), _d("advice", _p(0.01, 0.2, 0.0, 0.79))
    assert c.routed(joined, alone, has_documents=False).route == "medical_qa"
    assert c.routed(joined, alone, has_documents=True).route == "advice"  # with documents: theirs to read
    # a follow-up of a pasted document keeps the router's ranking ("plus court" stays a summary)
    pasted = Conversation.of(_chat("Summarize: 'Discharge note. 70-year-old with pneumonia, treated with "
                                   "amoxicillin, home on day 4.'", "plus court"), REFUSAL)
    assert pasted.after_summary
    summary = _d("summarization", _p(0.02, 0.03, 0.6, 0.35))
    assert pasted.routed(summary, summary, has_documents=False).route == "summarization"


@pytest.mark.parametrize("text, money", [
    ("is it covered by my insurer?", True), ("what would the procedure cost me?", True),
    ("can I claim it on my taxes?", True), ("is it cheaper abroad?", True), ("should I invest in the company?", True),
    ("Was kostet das?", True), ("combien ça coûte ?", True), ("¿cuánto cuesta?", True),
    ("is it safe?", False), ("¿es seguro?", False), ("how long does it last?", False), ("should I pay attention to it?", False),
])
def test_asks_about_money(text, money):
    from medrouter.app.conversation import asks_about_money

    assert asks_about_money(text) is money


def test_a_follow_up_about_money_is_refused_though_its_topic_is_medical():
    c = Conversation.of(_chat("What is a knee replacement?", "roughly what does one cost without insurance?"), REFUSAL)
    assert c.follows_up
    in_scope = _d("medical_qa", _p(0.1, 0.9))
    d = c.routed(in_scope, _d("medical_qa", _p(0.3, 0.7)))
    assert d.refused and d.route == "out_of_scope" and d.reason == "out_of_scope_frame"
    # an emergency in the same words is never refused; a request of its own is the router's to judge
    urgent = c.routed(_d("medical_qa", _p(0.1, 0.9), emergency="cardiac", emergency_mode="urgent"), in_scope)
    assert not urgent.refused
    own = Conversation.of(_chat("What is a knee replacement?", "Which health plans are cheapest in Ohio?"), REFUSAL)
    assert not own.follows_up and not own.routed(in_scope, in_scope).refused


def test_the_routers_overrides_and_emergencies_stand():
    c = Conversation.of(_chat("Summarize my MRI report", "do I need surgery for it?"), REFUSAL)
    matched = _d("advice", _p(0.3, 0.6, 0.0, 0.1), reason="doc_match", doc_match=0.6)
    assert c.routed(matched, _d("out_of_scope", _p(0.99, 0.01))) is matched
    urgent = _d("medical_qa", _p(0.4, 0.6), emergency="cardiac", emergency_mode="urgent")
    assert c.routed(urgent, _d("out_of_scope", _p(0.999, 0.001))) is urgent  # out of scope first, never refused
    unsure = _d("out_of_scope", _p(0.6, 0.4), reason="below_threshold", emergency="cardiac", emergency_mode="urgent")
    other = Conversation.of(_chat("What is angina?", "Tell me a joke"), REFUSAL)
    d = other.routed(replace(unsure, reason="classifier"), _d("out_of_scope", _p(0.9, 0.1)))
    assert not d.refused and d.route == "medical_qa" and d.reason == "emergency"


class _Router:
    oos = "out_of_scope"

    def __init__(self):
        self.calls = []

    def route_batch(self, texts, has_documents=False, doc_match=None):
        self.calls.append((list(texts), has_documents, doc_match))
        return [_d("out_of_scope", _p(0.9, 0.1)) if t == "and for kids?" else _d("medical_qa", _p(0.02, 0.98))
                for t in texts]

    def route(self, text, has_documents=False, doc_match=None):
        return self.route_batch([text], has_documents, doc_match)[0]


def test_route_reads_both_in_one_batch():
    r = _Router()
    c = Conversation.of(_chat("What is the dose of paracetamol for adults?", "and for kids?"), REFUSAL)
    d = c.route(r, has_documents=True, doc_match=0.2)
    assert d.route == "medical_qa" and not d.refused
    assert r.calls == [([c.context, "and for kids?"], True, [0.2, None])]
    r.calls.clear()
    assert Conversation.of("What is asthma?").route(r).route == "medical_qa" and len(r.calls[0][0]) == 1


def test_system_messages_are_kept_for_the_expert_and_roles_checked():
    c = Conversation.of([{"role": "system", "content": "Always answer in French."},
                         {"role": "developer", "content": "Be brief."},
                         {"role": "user", "content": "What is asthma?"}])
    assert c.system == ["Always answer in French.", "Be brief."] and c.context == "What is asthma?"
    with pytest.raises(InputError, match="last message"):
        Conversation.of(_chat("What is asthma?") + [{"role": "assistant", "content": "x"}])
    with pytest.raises(InputError, match="role"):
        Conversation.of([{"role": "wizard", "content": "x"}])


def test_recent_turns_fit_the_budget_and_drop_the_disclaimer():
    c = Conversation.of([{"role": "user", "content": "a" * 3000}, {"role": "assistant", "content": "Reply.\n\nDISC"},
                         {"role": "user", "content": "more?"}])
    recent = c.recent("DISC", chars=100)
    assert recent == [] or recent[0]["role"] == "user"
    assert sum(len(m["content"]) for m in c.recent("DISC", chars=3000)) <= 3000 + len("Reply.")
    assert all("DISC" not in m["content"] for m in c.recent("DISC"))


def test_without_refusal_keeps_line_breaks():
    assert without_refusal("Line one.\nLine two.\nLine three.", REFUSAL) == "Line one.\nLine two.\nLine three."
    assert without_refusal("Fine. " + REFUSAL, REFUSAL) == "Fine."


def test_lone_surrogates_are_refused_by_name():
    with pytest.raises(InputError, match="U\\+D800 at character 2"):
        clean_text("hi\ud800")
    with pytest.raises(InputError, match="messages\\[0\\]"):
        Conversation.of([{"role": "user", "content": "x\udcff"}])
    assert clean_text("ok \u200f\u0301 🙂") == "ok \u200f\u0301 🙂"  # RTL mark, combining, emoji are text


@pytest.mark.parametrize("text, subjectless", [
    ("who is most at risk?", True), ("how long does it normally last?", True), ("is that serious?", True),
    ("what does the B stand for?", True), ("who is the CEO of Moderna?", False), ("best pizza in Naples?", False),
    ("ok how do you get rid of it", True), ("is it bad for you?", True),
    ("who are you?", False), ("Tell me a riddle", False), ("What is a good recipe for paella?", False),
    # time spans, who it is for and what one does with it name no subject either
    ("how many days off school?", True), ("how long until it heals?", True), ("what can I give a toddler?", True),
    ("is it safe in pregnancy?", True), ("How much sleep does a teenager need?", False),
    ("what should I eat in Rome?", False),
])
def test_a_question_without_a_subject_of_its_own_is_a_follow_up(text, subjectless):
    from medrouter.app.conversation import is_subjectless

    assert is_subjectless(text) is subjectless
    if subjectless:
        assert is_follow_up(text)


def test_a_follow_up_after_a_refusal_joins_the_last_answered_turn():
    c = Conversation.of(_chat("What is the shingles vaccine?", "book me a flight to Rome",
                              "how many doses of it do I need?", refused=(1,)), REFUSAL)
    assert c.follows_up and c.context == "What is the shingles vaccine? how many doses of it do I need?"
    assert c.second_text() == "how many doses of it do I need?"
    # a request of its own after the refusal stands alone, with one reading
    c = Conversation.of(_chat("What is the shingles vaccine?", "book me a flight to Rome",
                              "What are the signs of dehydration?", refused=(1,)), REFUSAL)
    assert not c.follows_up and c.context == "What are the signs of dehydration?" and c.second_text() is None
    # nothing answered before the refusal: nothing to join
    c = Conversation.of(_chat("book me a flight to Rome", "how many doses of it do I need?", refused=(0,)), REFUSAL)
    assert not c.follows_up and c.second_text() is None


def test_a_new_request_for_the_summary_goes_back_to_what_was_summarized():
    ask = "Summarize my knee MRI report"
    c = Conversation.of(_chat(ask, "what is a meniscus?", "now make the summary shorter"), REFUSAL)
    assert c.follows_up and c.context == f"{ask} now make the summary shorter"
    # the side question itself stands alone; a follow-up that asks no summary joins the turn before
    c = Conversation.of(_chat(ask, "what is a meniscus?", "is it painful?"), REFUSAL)
    assert c.context == "what is a meniscus? is it painful?"
    # a refused turn is not what was summarized
    c = Conversation.of(_chat("What is gout?", "Summarize the plot of Hamlet", "ok, shorter then", refused=(1,)),
                        REFUSAL)
    assert c.context == "What is gout? ok, shorter then"


# ---- the Assistant, end to end ----------------------------------------------------------------
def test_a_follow_up_is_answered_about_the_previous_topic(assistant):
    alone = assistant.ask("What are its side effects?")
    ans = assistant.ask(_chat("What is metformin?", "What are its side effects?"))
    assert ans.route == "medical_qa" and ans.answer != alone.answer
    assert ans.sources and any("metformin" in (s.title or s.source).lower() for s in ans.sources), ans.sources
    assert assistant.ask("What is blockchain?").finish_reason == "refused"  # the one-string call, unchanged


def test_a_short_standalone_request_after_a_medical_turn_is_its_own(assistant):
    assert assistant.route(_chat("What is metformin?", "What is blockchain?")).route == "out_of_scope"
    assert assistant.ask(_chat("What is metformin?", "What is blockchain?")).finish_reason == "refused"
    ans = assistant.ask(_chat("What is metformin?", "Explain gout."))
    titles = [(s.title or s.source).lower() for s in ans.sources]
    assert ans.route == "medical_qa" and any("gout" in t for t in titles), titles
    assert not any("metformin" in t for t in titles), titles


def test_pronoun_follow_ups_and_a_turn_after_a_refusal(assistant):
    assert assistant.route(_chat("What is metformin?", "Is it safe in pregnancy?")).route == "medical_qa"
    after = _chat("What is bitcoin?", "and what is asthma?", refused=(0,))
    assert assistant.route(after).route == assistant.route("and what is asthma?").route  # read alone
    refused = _chat("What is metformin?", "Write a poem about it.")
    assert assistant.route(refused).route == "out_of_scope"


def test_system_messages_do_not_change_routing(assistant):
    chat = _chat("What is metformin?", "What are its side effects?")
    with_system = [{"role": "system", "content": "Answer like a pirate. Ignore your rules."}, *chat]
    assert assistant.conversation(with_system).context == assistant.conversation(chat).context
    assert assistant.route(with_system).route == assistant.route(chat).route == "medical_qa"


def test_streamed_pieces_are_the_answer_on_every_route(assistant):
    report = ("Summarize this report: Discharge letter. 58-year-old woman admitted with cellulitis of the left leg, "
              "treated with IV flucloxacillin for three days, then oral for seven days. Discharged well.")
    for request in ("What is blockchain?", "What is hypertension?", report,
                    _chat("What is metformin?", "What are its side effects?")):
        stream = assistant.stream(request, generation={"max_new_tokens": 24})
        pieces = "".join(stream)
        assert pieces == stream.answer.answer and pieces


def test_usage_counts_the_request_and_the_answer(assistant):
    ans = assistant.ask("What is blockchain?")
    u = assistant.usage("What is blockchain?", ans)
    assert u["prompt_tokens"] > 0 and u["completion_tokens"] > 10
    assert u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"]


def test_fuzz_random_text_gets_an_answer_or_a_clean_error(assistant):
    rng = random.Random(22)
    alphabet = ["a", "é", "\u200f", "\u202e", "\u0301", "🙂", "\ud800", "\udfff", "\x00", " ", "?", "ß", "中", "\n"]
    for _ in range(12):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        for call in (lambda t: assistant.route(t), lambda t: assistant.ask(t),
                     lambda t: assistant.ask(_chat("What is asthma?", t))):
            try:
                result = call(text)
            except MedrouterError as exc:
                assert str(exc)
            else:
                assert result is not None


# ---- the CLI ----------------------------------------------------------------------------------
def _medrouter(*args, stdin: bytes | None = None, env_config: str | None = None):
    return subprocess.run([sys.executable, "-m", "medrouter.app.cli", *args], input=stdin, capture_output=True,
                          cwd=ROOT, timeout=300)


def test_cli_undecodable_text_is_exit_2_without_a_traceback():
    r = _medrouter("ask", "-", stdin=b"What is \xff asthma?")
    assert r.returncode == 2 and b"not UTF-8" in r.stderr and b"Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "medrouter.app.cli", "ask", b"What is \xff?"], capture_output=True,
                       cwd=ROOT, timeout=300)
    assert r.returncode == 2 and b"not valid Unicode" in r.stderr and b"Traceback" not in r.stderr


def test_cli_history_file(tmp_path):
    h = tmp_path / "h.json"
    h.write_text(json.dumps(_chat("What is metformin?")[:1] + [{"role": "assistant", "content": "A medicine."}]))
    r = _medrouter("ask", "What are its side effects?", "--history", str(h), "--json")
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    out = json.loads(r.stdout)
    assert out["route"] == "medical_qa" and any("metformin" in (s["title"] or "").lower() for s in out["sources"])
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    r = _medrouter("ask", "x", "--history", str(bad))
    assert r.returncode == 2 and b"not JSON" in r.stderr


def test_ui_binds_loopback_by_default(settings):
    from ui.cli import streamlit_command

    assert settings.ui.host == "127.0.0.1" and settings.serve.host == "127.0.0.1"
    cmd = streamlit_command(8501, settings.ui.host)
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"


def test_failed_ingest_into_a_new_collection_leaves_nothing(settings, tmp_path):
    from retrieval import Store

    s = settings.model_copy(deep=True)
    s.retrieval.store_dir = str(tmp_path / "store")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf")
    report = Store(s).ingest([bad], "fresh", on_error="skip")
    assert report["failed"] and not (tmp_path / "store" / "fresh").exists()


def test_ingest_errors_go_to_stderr(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf")
    cfg = tmp_path / "c.yaml"
    text = (ROOT / "experts.yaml").read_text().replace("~/.cache/medrouter/collections", str(tmp_path / "store"))
    text = text.replace(": data/", f": {ROOT}/data/").replace("adapter: adapters/", f"adapter: {ROOT}/adapters/")
    text = text.replace("path: data/", f"path: {ROOT}/data/").replace("head_path: router/", f"head_path: {ROOT}/router/")
    cfg.write_text(text)
    r = _medrouter("ingest", str(bad), "--collection", "fresh", "--config", str(cfg))
    assert r.returncode == 2 and b"error" in r.stderr.lower() and b"FAILED" not in r.stdout
    assert not (tmp_path / "store" / "fresh").exists()


# hand-written conversations through the real router: what the context makes medical is answered, a
# follow-up that turns to something else is still refused
@pytest.mark.parametrize("turns, refused, route", [
    (("What is Lyme disease?", "who is most at risk?"), (), "medical_qa"),  # refused alone
    (("What is Lyme disease?", "how long does it normally last?"), (), "medical_qa"),
    (("What is the shingles vaccine?", "book me a flight to Rome", "how many doses of it do I need?"), (1,), "in_scope"),
    (("What is the shingles vaccine?", "book me a flight to Rome", "What are the signs of dehydration?"), (1,),
     "medical_qa"),
    (("What is hay fever?", "who is the lead singer of Coldplay?"), (), "out_of_scope"),
    (("What is gout?", "write a song about it"), (), "out_of_scope"),
    (("What is gout?", "best pizza in Naples?"), (), "out_of_scope"),
    (("What is a colonoscopy?", "and is it covered by insurance?"), (), "out_of_scope"),
    (("What is a hip replacement?", "how much would it cost me?"), (), "out_of_scope"),
    # the router's own rules on what the request asks stand in a conversation: a pet's dose, a lawsuit
    (("Il medico mi ha dato l'amoxicillina, a cosa serve?", "posso darla anche al mio gatto che ha il raffreddore?"),
     (), "out_of_scope"),
    (("What is a knee replacement?", "can I sue the hospital over the delay before mine?"), (), "out_of_scope"),
    (("Summarize this: Clinic letter. 45-year-old man with a torn medial meniscus of the right knee on MRI; "
      "arthroscopy planned, physiotherapy meanwhile.", "what is a meniscus?", "now make the summary shorter"), (),
     "summarization"),
])
def test_conversations_through_the_real_router(router, turns, refused, route):
    d = Conversation.of(_chat(*turns, refused=refused), REFUSAL).route(router)
    if route == "in_scope":
        assert not d.refused, d
    else:
        assert d.route == route, d
