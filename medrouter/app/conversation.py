"""How a conversation is read: which request answers, what routing and retrieval read, what came before.

A follow-up leans on the turn before it; everything else stands alone. Chosen by measurement on the
dev conversations (data/conversations_dev/dev.jsonl, 240 written blind; never on the blind set
data/conversations/test.jsonl): `python bench/conversations.py --set data/conversations_dev/dev.jsonl`
scores every candidate in one run, and its docstring has the numbers.

Dev (240, default E5 router, one run; follow-ups / topic switches / becomes_oos / after_refusal /
documents / all): `routed` on one decision 0.833 / 0.970 / 0.812 / 0.889 / 0.785 / 0.871; `route`
(two readings) 0.896 / 0.985 / 0.875 / 0.889 / 0.892 / 0.917; the set's own rewrites routed alone
0.896 / 0.970 / 0.969 / 0.861 / 0.862 / 0.900. Split half (odd ids / even ids), follow-ups 58/69 ->
63/69 and 62/75 -> 66/75, all 104/120 -> 110/120 and 105/120 -> 110/120.

With the router heads of 2025-12 (one run, `--baseline` a copy of the module before): subjectless
questions as follow-ups (is_subjectless), a follow-up after a refusal joined to the last answered
turn, and a new request for the summary joined to what was summarized: follow-ups 124/144 -> 127/144
(0.861 -> 0.882), topic switches 66/67, becomes_oos 28/32, after_refusal 30/36, documents 54/65
unchanged, all 214/240 -> 217/240; odd ids follow-ups 62/69 -> 63/69, even 62/75 -> 64/75.

2026-12-02 (issue #22; one run, `--baseline` a copy of the module before): a subjectless follow-up of
an answered turn is never refused ("ok how do you get rid of it": "you" counts as closed-class next to
a word that points back), and with documents attached a follow-up that asks for no summary, of a turn
that asked for none, reads P(summarization) as advice's (_premised): follow-ups 127/144 -> 130/144
(0.882 -> 0.903), topic switches 66/67, becomes_oos 28/32, after_refusal 30/36 unchanged, documents
53/65 -> 55/65, all 217/240 -> 220/240; odd ids follow-ups 63/69 -> 64/69, even 64/75 -> 66/75; none
broken. With a document attached and ingested (data/conversations_dev/dev_docs.jsonl, bench
`with_documents`): follow-ups about it reach advice 30/32, refused 0/32.

2026-12-03 (issue #22; router heads of round nine; one run, `--baseline` a copy of the module before):
with documents, a request after an answered turn that speaks of the user's own things is advice
(speaks_of_own: "what does ER positive mean for me?", "and what's mine in the report?"), and a
follow-up that asks about money (asks_about_money: costs, insurance, tax) is refused: follow-ups
129/144 -> 136/144 (0.896 -> 0.944), topic switches 66/67, becomes_oos 28/32 -> 31/32, documents
54/65 -> 59/65, all 220/240 -> 227/240; odd ids follow-ups 63/69 -> 67/69, even 66/75 -> 69/75; none
broken. dev_docs.jsonl `with_documents`: advice 30/32, refused 0/32 (unchanged). Then (one run,
`--baseline` the module with the two rules above): "even if / when ..." leads a follow-up, and a
question ending on "here" (_HERE) is a follow-up that, with documents, points at them: follow-ups
136/144 -> 137/144 (0.944 -> 0.951, d200), topic switches 66/67, all 227 -> 228/240, none broken;
dev_docs `with_documents` advice 30/32 -> 31/32 ("even when I feel fine?"), refused 0/32.
Then (one run, `--baseline` the module with the rules above): without documents a follow-up of a
question reads P(advice) as medical_qa's unless a paste or summary is in play (_premised), and with
documents a follow-up of a turn about the user's own things asks about them unless it asks in general
(asks_in_general: "side effects?", "the usual treatment"): follow-ups 137/144 -> 141/144 (0.951 ->
0.979; d021 d026 d104 d108), topic switches 66/67, documents 60 -> 63/65, all 228 -> 232/240; odd
67 -> 68/69, even 70 -> 73/75; none broken. dev_docs `with_documents` advice 31/32, refused 0/32,
controls 4/4 (unchanged). On 62 follow-ups, 30 topic switches and 16 out-of-scope continuations
written fresh for this (not from any set; advice labelled only with documents, as the sets do):
follow-ups 49/62 -> 57/62, switches 29/30, out of scope 16/16 (both). Then time spans, who a
question is for and what one does with it joined the subjectless words ("how many days off school?",
"how long until it heals?", "what can I give a toddler?"): fresh follow-ups 57/62 -> 60/62, switches
29/30, out of scope 16/16; dev unchanged (141/144, 66/67, none moved), dev_docs 31/32, 0 refused.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

HISTORY_CHARS = 2000  # earlier turns the expert sees (newest first): SmolLM2's 2k-token window keeps room for excerpts
HISTORY_TURNS = 6  # at most this many earlier messages (three exchanges)


# ---- text hygiene --------------------------------------------------------------------------
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str, what: str = "request") -> str:
    """`text` unchanged unless it holds a lone UTF-16 surrogate (a JSON "\\ud800" or bytes decoded with
    surrogateescape): then an InputError naming the position, never a crash further down. The rule at
    every door: invalid text is refused with a clear message, not silently replaced."""
    from medrouter.core.errors import InputError

    if isinstance(text, str):
        bad = _SURROGATE.search(text)
        if bad:
            raise InputError(f"{what} is not valid Unicode text (a lone surrogate U+{ord(bad.group()):04X} at "
                             f"character {bad.start()}); send UTF-8 text")
    return text


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


# ---- what makes a follow-up ----------------------------------------------------------------
# A follow-up starts with a connective ("and for kids?", "¿y cómo se trata?", "ok now shorter"),
# refers back with a pronoun ("What are its side effects?") in one of the languages the router
# serves, or is too short to stand alone ("side effects?") -- unless it names its own subject: a
# short "What is blockchain?" or "Explain gout." after another topic is a new request (dev: 34 of
# the 36 turns the old rule joined wrongly were of this kind).
_OPEN = r"^[\s¿¡\"'(«-]*"  # Spanish opening marks and quotes come before the first word
_ACK = (r"(?:(?:ok(?:ay)?|thanks|thank you|great|sorry|cool|nice|alright|danke|merci|gracias|grazie|"
        r"obrigad[oa]|d'accord|vale|t[áa] bom)\W+)?")
_LEAD = re.compile(
    _OPEN + _ACK +
    r"(and|or|but|also|so|then|now|what about|how about|what if|same|for|in|with|during|after|before|at|und|oder|aber|auch|et|ou|mais|"
    r"aussi|y|o(?!\s+qu[eê]?\b|\s+qua[li])|pero|tambi[eé]n|e|ou|mas|tamb[eé]m|ma|anche|pure|und was|et pour|y para|e per|e para|"
    r"even (?:if|when|though|after|before|with|without|during|in|for|at|on))\b", re.I)
# a question that ends on "here" / "in there" asks about what was just discussed ("what does margins
# involved mean here?", "what's the catch in there?"); "where here" or "come here" are rare in a request
_HERE = re.compile(r"\b(?:here|in there|in here)\W*$", re.I)
_BACK = re.compile(
    r"\b(it|its|it's|this|that|these|those|they|them|their|he|she|him|her|his|one|ones|same|there|mine|"
    r"es|sie|ihn|ihm|ihr|ihre|das|dies|dieser|diese|davon|dafür|dagegen|damit|"
    r"il|elle|ils|elles|lui|leur|leurs|ça|cela|ceci|c'est|"
    # French "en" (of it: "combien en faut-il"), not the preposition before a name, an article or a number
    # ("¿me recomiendas un restaurante en Madrid?", "en el embarazo", "en France")
    r"en(?!\s+(?:(?-i:[A-ZÁÉÍÓÚÀÈ])|(?:el|la|los|las|le|les|un|una|une|mi|mis|su|sus|mon|ma|mes|cas|casa|\d)\b))|"
    r"lo|los|las|le|les|eso|esto|ello|su|sus|"
    r"esso|essa|questo|questa|quello|quella|suo|sua|suoi|ne|"
    r"ele|ela|eles|elas|isso|isto|dele|dela|seu|sua|seus|suas)\b", re.I)
# a request that names its own subject: "What is gout?", "Explain RSV.", "Define sepsis", "Causes of
# hiccups?", "¿Qué es la gota?"; not "What is it?" nor "What are the symptoms?" (English "the" points back)
_OWN_SUBJECT = re.compile(
    _OPEN +
    r"(what is|what's|whats|wat is|wht is|what are|explain|define|describe|tell me about|"
    r"(?:causes|symptoms|signs|treatment|risks?) of|what causes|"
    r"qu'est-ce que|qu'est-ce qu'|c'est quoi|was ist|was sind|erkl[äa]r\w*|qu[ée] es|qu[ée] son|expl[ií]ca(?:me)?|"
    r"cos'[èe]|che cos'[èe]|spiegami|o que [ée]|o que s[ãa]o|explique)\s+"
    r"(?!(?:the|it|its|this|that|these|those|them|they|my|mine|there|one|es|das|ça|cela|eso|esto|isso|isto|"
    r"questo|quello)\b)\w", re.I)
SHORT_WORDS = 3  # "side effects?", "in children?": no request of their own

# A question with no subject of its own ("who is at risk?", "how long does it usually last?", "what
# does the T stand for again?", "is that common?"): every word is a closed-class English word
# (question words, auxiliaries, determiners, prepositions, adverbs of degree and time) or one of the
# generic predicates any health question can ask of a subject it does not name; a letter alone is no
# subject either. What it asks about is in the turn before. "Tell me a joke", "best pizza in Rome?",
# "who is the CEO of Pfizer?" each name something of their own and stand alone. "you" and "your" are
# not in the list: "who are you?" is about the assistant, not the turn before.
_SUBJECTLESS_WORDS = frozenset("""
what whats what's who whom whose which when where why how whether
is are was were be been being am isn't aren't wasn't do does did doing done don't doesn't didn't have has had having
can could will would shall should may might must can't couldn't won't wouldn't shouldn't
get gets got getting go goes going
a an the this that these those it its it's they them their there here i i'm me my mine we us our
he she him her his one ones some any few many much more most less least other others another such same
all both each every no not none nothing something anything else
at in on of for to from with without by about into after before during over under than
then again also too still ever even just only really very so as if or and but ok okay
usually normally typically generally always often long soon fast quickly early late first
risk risks risky last lasts lasting take takes taking happen happens start starts stop stops help helps
mean means meaning stand cause causes caused treat treated treatment prevent prevented cure cured work works
safe normal common serious dangerous bad worse worst good better best possible likely necessary needed
need needs contagious curable reversible permanent painful rid
example examples sign signs symptom symptoms
minute minutes hour hours day days daily week weeks month months year years night nights morning
until heal heals healed healing off school give use try eat drink avoid
kid kids child children toddler toddlers baby babies infant infants teen teens adult adults elderly
men women pregnant pregnancy recovery alcohol
""".split()) | frozenset("""
qué que cuál cuáles cuándo cuánto cuánta cuántos cuántas cómo dónde por porque quién es son está están era ser estar
puedo puede puedes se pueden debo debe debería hay tiene tienen tengo hace hacer pasa dura durar
el la los las lo le les un una unos unas mi mis su sus tu este esta esto eso ese esa otro otra algo nada
de del a al en con sin para por sobre entre durante antes después desde hasta y o pero también muy más menos
tiempo problema problemas tomar tomarlo tomarla beber comer usar dar darle seguro normal grave peligroso peligrosa
malo mala contagioso contagiosa efectos secundarios síntomas causas tratamiento niños niñas adultos embarazo
embarazada alcohol día días semana semanas mes meses año años vez veces
che cosa cos qual quale quali quando quanto quanta quanti quante come dove perché chi è sono era essere
posso può puoi possono devo deve dovrei c'è ci ha hanno ho fa fare dura durare
il lo gli i l un uno una mio mia miei mie suo sua suoi sue questo questa quello quella altro altra qualcosa
di del della dei delle a al alla ai da dal dalla in nel nella con senza per su tra fra dopo prima anche e o ma
molto più meno tempo problema problemi prendere prenderlo prenderla bere mangiare usare dare sicuro sicura
normale grave pericoloso pericolosa contagioso contagiosa effetti collaterali sintomi cause trattamento
bambini adulti gravidanza incinta alcol giorno giorni settimana settimane mese mesi anno anni volta volte primo prima
o que qual quais quando quanto quanta quantos quantas como onde porque quem é são está estão era ser estar
posso pode podem devo deve deveria há tem têm tenho faz fazer dura durar
os as um uma uns umas meu minha meus minhas seu sua seus suas este esta isto isso esse essa outro outra algo nada
de do da dos das em no na nos nas com sem para pra por sobre entre durante antes depois desde até e ou mas também
muito mais menos tempo problema problemas tomar beber comer usar dar seguro segura normal grave perigoso perigosa
contagioso contagiosa efeitos colaterais sintomas causas tratamento crianças criança adultos gravidez grávida
álcool dia dias semana semanas mês meses ano anos vez vezes
qu quoi quel quelle quels quelles quand combien comment où pourquoi qui est sont était être c
peut peux puis peuvent dois doit faut faudrait il y a ont ai fait faire dure durer
le la les l un une mon ma mes son sa ses ce cette cet ces ça cela autre quelque chose rien
de du des à au aux en dans avec sans pour par sur entre pendant avant après depuis jusqu et ou mais aussi très
plus moins temps problème problèmes prendre la boire manger utiliser donner sûr sûre normal grave dangereux
dangereuse contagieux contagieuse effets secondaires symptômes causes traitement enfants adultes grossesse
enceinte alcool jour jours semaine semaines mois an ans année années fois on
was wie wann wo warum wer welche welcher welches wieviel wie viel ist sind war sein kann können darf dürfen
muss müssen soll sollte gibt hat haben habe macht machen dauert dauern
der die das den dem des ein eine einen einem einer mein meine sein seine ihr ihre dies diese dieser etwas nichts
von vom zu zum zur in im mit ohne für auf bei nach vor während seit bis und oder aber auch sehr mehr weniger
zeit problem probleme nehmen einnehmen trinken essen geben sicher normal schlimm gefährlich ansteckend
nebenwirkungen symptome ursachen behandlung kinder erwachsene schwangerschaft schwanger alkohol tag tage woche
wochen monat monate jahr jahre mal ich man
""".split())
# "you" and "your" count as closed-class words only next to a word that points back ("how do you get
# rid of it", "can you tell me more about that?"): then the subject is the thing pointed at, not the
# assistant ("who are you?" stays its own)
_GENERIC_YOU = frozenset(("you", "your", "u", "ya"))
_POINTS_BACK = frozenset("it its it's this that these those they them their one ones".split())


def is_subjectless(text: str) -> bool:
    """Whether `text` names no subject of its own (_SUBJECTLESS_WORDS above)."""
    words = re.findall(r"[\w']+", text.lower())
    back = any(w in _POINTS_BACK for w in words)
    return bool(words) and all(w in _SUBJECTLESS_WORDS or len(w) == 1 or (back and w in _GENERIC_YOU)
                               for w in words)


def is_follow_up(text: str) -> bool:
    """Whether `text` leans on the previous user turn (the rule above)."""
    if _LEAD.match(text):
        return True
    if _OWN_SUBJECT.match(text):
        return False
    return (len(re.findall(r"\w+", text)) <= SHORT_WORDS or bool(_BACK.search(text)) or bool(_HERE.search(text))
            or is_subjectless(text))


# ---- what a follow-up is joined to ---------------------------------------------------------
# "Summarize my MRI report" then "do I need surgery?": the question is about the report, not a
# request for a summary. Joined whole, the previous turn's "summarize" decided the route (dev: 12 of
# the follow-ups routed wrong); joined without it, the report stays the topic.
_SUMMARY_ASK = re.compile(
    r"^\W*(?:(?:can|could|would) (?:you|u) |please |pls )?(?:summari[sz]e|sumari[sz]e|sum up|give me a summary of|"
    r"condense|tl;?dr of|r[ée]sume|r[ée]sumer|fasse?\w* zusammen|riassumi|mi riassumi|resum[ae]|peux-tu r[ée]sumer)\b\W*",
    re.I)


def _holds_document(text: str) -> bool:
    """The turn holds a pasted document (the router's own split of instruction and paste) or asks
    for a summary (of a paste or of the user's document): what a later request for a summary means."""
    from router.text import asks_for_summary, split_request

    part = split_request(text)
    return part.pasted_document or asks_for_summary(part.instruction)


def _asks_for_summary(text: str) -> bool:
    from router.text import asks_for_summary

    return asks_for_summary(text)


def _topic_of(previous: str, follow_up: str) -> str:
    """What of the previous context a follow-up is joined to: all of it, less a leading request for a
    summary when the follow-up itself asks for none ("shorter please" keeps it). A turn longer than the
    router reads whole holds a pasted document: its own instruction stays with it."""
    from router.text import SHORT_WORDS as READ_WHOLE_WORDS
    from router.text import asks_for_summary

    if len(previous.split()) > READ_WHOLE_WORDS or asks_for_summary(follow_up):
        return previous
    topic = _SUMMARY_ASK.sub("", previous, count=1)
    return topic if topic.strip() else previous


# ---- how a turn after an answered one is routed ----------------------------------------------
# Two readings, one route_batch: the request joined to the previous context (`joined`) and the request
# alone. Their probabilities are combined (a weighted geometric mean) and the first route wins; after an
# answered turn the router's refusal floor is not applied (the conversation so far was in scope; out of
# scope still wins when it is ranked first: "Erklär Gürtelrose." after an answered question is no longer
# refused for doubt). A follow-up leans on the joined reading ("and for kids?" says nothing alone) and
# the request alone is what carries a turn to something else ("write a poem about those": 0.47 out of
# scope joined, 1.00 alone; "cool, and my sugar?" after "can u sum up my lab stuff": advice, not
# another summary); any other request leans on its own words, with the joined reading as a second opinion
# ("can you take too much?" after vitamin D, missed by is_follow_up). Chosen on the dev conversations
# (bench/conversations.py, variant two_readings; weights 0.7-0.9 / 0.2-0.4 for the joined reading score
# within a conversation or two of these on either half of the set).
JOINED_WEIGHT = {True: 0.8, False: 0.3}  # weight of the joined reading: follow-up, any other request
_KEEP_REASONS = ("doc_match", "emergency", "needs_document")  # the router's own overrides stand
# the router's rules that refuse what the request itself asks (router/router.py): a history, veterinary or
# legal question stays refused whichever reading found it ("posso darla anche al mio gatto?" after a
# question on amoxicillin; "can I sue the hospital over the delay mentioned in it?")
_RULE_REFUSALS = ("history", "veterinary", "legal")

# What a follow-up's route presupposes. With documents attached, summarization and advice are the two
# experts that read them, and a request about them that asks for no summary is advice (the router's own
# doc_match rule): a follow-up that asks for none, of a turn that asked for none and held no pasted
# document ("what's my creatinine in these results?" then "and my potassium?": summarization 0.89
# joined; "What is the normal range for ferritin?" then "and what's mine in the report?": 0.67 alone),
# reads its summarization probability as advice's, in both readings. Dev follow-ups +2, nothing broken.
# The converse without documents: a follow-up of a question reads its advice probability as
# medical_qa's (advice without documents answers from the reference library too: "Can I take it with
# coffee?" after omeprazole, "what if I miss a dose?", "how long before the trip should I get it?"),
# unless it or the turn it is joined to holds a paste or asks for a summary (after_summary: measured
# without that, "plus court" and "Und nur die Medikamente?" lost summarization to medical_qa).
DOCS_ROUTE, SUMMARY_ROUTE, GENERAL_ROUTE = "advice", "summarization", "medical_qa"

# With documents attached, a request after an answered turn that speaks of the user's own things
# (a first-person possessive, "mine", or "me" that is not the object of a request verb: "what does ER
# positive mean for me?", "is the apixaban they gave me for that?", "and what's mine in the report?")
# is about the user's documents (advice), not a general question (medical_qa): it reads medical_qa's
# probability as advice's, in both readings. "tell me about gout", "explain to me what TI-RADS is" are
# requests, not the user's case; a general question with no first person ("side effects?", "what is a
# dust mite?") keeps medical_qa.
_OWN = re.compile(
    r"\b(my|mine|myself|mon|ma|mes|moi|mein|meine|meinen|meinem|meiner|meines|mir|mich|mi|mis|m[ií]o|m[ií]a|"
    r"mios|m[ií]as|miei|mie|meu|minha|meus|minhas)\b", re.I)
_ME = re.compile(r"\bme\b", re.I)
_REQUEST_ME = re.compile(r"\b(tell|show|give|explain(?: to)?|help|let|remind|teach|send|write|recommend|find|"
                         r"get|make|walk|talk|answer)\s+me\b", re.I)


def speaks_of_own(text: str) -> bool:
    """Whether `text` speaks of the user's own things (_OWN above): a first-person possessive or
    "mine", "me" outside a request ("they gave me", "for me"; not "tell me about"), or a question that
    ends on "here" (_HERE: with documents, the document at hand)."""
    if _OWN.search(text) or _HERE.search(text):  # "here": the user's document at hand
        return True
    return len(_ME.findall(text)) > len(_REQUEST_ME.findall(text))


# A follow-up of a turn about the user's own things asks about them too ("Summarize my colonoscopy
# report" then "why 5 years?", "could alcohol cause that?", "c'est grave ?"), unless it asks in general:
# what is true of a medicine or condition for everyone ("side effects?", "what's the usual treatment
# for it?", "are they dangerous in general?") is a general question (medical_qa) next to documents.
_IN_GENERAL = re.compile(
    r"\b(in general|generally|usual|usually|typical|typically|commonly|most people|in most cases|"
    r"side[- ]effects?|nebenwirkung\w*|allgemein|normalerweise|[üu]blicherweise|"
    r"effets? (?:secondaires?|ind[ée]sirables?)|en g[ée]n[ée]ral|g[ée]n[ée]ralement|habituellement|d'habitude|"
    r"efectos? (?:secundarios?|adversos?)|por lo general|generalmente|normalmente|habitualmente|"
    r"effetti collaterali|in generale|di solito|efeitos? colaterais|em geral|geralmente)\b", re.I)


def asks_in_general(text: str) -> bool:
    """Whether `text` asks what is true in general (_IN_GENERAL above), not of the user's own case."""
    return bool(_IN_GENERAL.search(text))


# Money and buying are out of scope (the router's own training labels: insurance, costs, tax, shares),
# whatever medical topic a follow-up leans on: "how much does one cost with insurance?" after "What is
# an MRI scan?" joins to a medical question (in scope 0.86) though its own words ask a price. A
# follow-up that asks about costs, insurance cover, tax or investments is refused (reason
# "out_of_scope_frame"), unless it is an emergency. Not "buy" ("should I buy a humidifier for it?"
# can be health advice) nor Spanish "seguro" (also "safe").
_MONEY = re.compile(
    r"\b(cost|costs|costing|price|prices|priced|pricing|expensive|cheap|cheaper|cheapest|afford|affordable|"
    r"insurance|insurer|insurers|insured|co-?pays?|deductible|tax|taxes|tax-deductible|reimburs\w*|"
    r"stock|stocks|shares|invest\w*|"
    r"kosten|kostet|preis|versicherung|krankenkasse|steuer\w*|"
    r"co[uû]t|co[uû]te|co[uû]tent|prix|assurance|mutuelle|imp[oô]ts?|"
    r"cuesta|cuestan|precio|impuestos?|"
    r"costa|costano|prezzo|assicurazione|tasse|"
    r"custa|custam|pre[cç]o|impostos?)\b", re.I)


def asks_about_money(text: str) -> bool:
    """Whether `text` asks about costs, insurance, tax or investments (_MONEY above)."""
    return bool(_MONEY.search(text))


def _moved(scores: dict[str, float], src: str, dst: str) -> dict[str, float]:
    """`scores` with `src`'s probability added to `dst`'s (unchanged when either is not a route)."""
    if src not in scores or dst not in scores:
        return scores
    out = dict(scores)
    out[dst] += out[src]
    out[src] = 0.0
    return out


def _combined(joined: dict[str, float], alone: dict[str, float], w: float) -> dict[str, float]:
    """exp(w log p_joined + (1-w) log p_alone), normalised."""
    p = {r: math.exp(w * math.log(max(joined[r], 1e-6)) + (1 - w) * math.log(max(alone.get(r, 0.0), 1e-6)))
         for r in joined}
    z = sum(p.values())
    return {r: v / z for r, v in p.items()}


@dataclass
class Conversation:
    """A request and the turns before it, as the Assistant reads them.

    Routing and retrieval read `context`: the request alone, or, for a follow-up (is_follow_up), the
    context of the last answered user turn (a refused turn is skipped; less a request for a summary the
    follow-up does not repeat; for a new request for the summary, the turn that was summarized) joined
    to it ("What is metformin? What are its side effects?"). The
    expert answers `request` with the recent `history` before it.
    Caller system messages (`system`) are added to the expert's own system prompt, after it: the
    expert's rules (scope, refusal, grounding, disclaimer) come first and win; they never reach the
    router, and answers no model writes (refusals, quoted reference lines, fixed messages) do not change."""

    request: str
    context: str
    history: list[dict] = field(default_factory=list)  # earlier {"role", "content"} turns, oldest first
    system: list[str] = field(default_factory=list)
    follows_up: bool = False
    joined: str = ""  # the request joined to the previous context when the turn before was answered, else ""
    subjectless: bool = False  # a follow-up that names no subject of its own (is_subjectless)
    after_summary: bool = False  # the follow-up, or the turn it is joined to, asks for a summary or holds a paste
    own: bool = False  # after an answered turn, the request speaks of the user's own things (speaks_of_own)

    @classmethod
    def of(cls, text_or_messages, refusal: str = "", what: str = "request") -> Conversation:
        """A str is one request; a list of {"role", "content"} messages (OpenAI's roles: system,
        developer, user, assistant) is a conversation that ends with the user's request."""
        from medrouter.core.errors import InputError

        if isinstance(text_or_messages, str) or text_or_messages is None:
            clean_text(text_or_messages, what)
            return cls(request=text_or_messages, context=text_or_messages)
        msgs = []
        for i, m in enumerate(text_or_messages):
            role = m.get("role") if isinstance(m, dict) else getattr(m, "role", None)
            content = m.get("content") if isinstance(m, dict) else getattr(m, "content", None)
            if role == "developer":
                role = "system"
            if role not in ("system", "user", "assistant"):
                raise InputError(f"messages[{i}].role must be system, developer, user or assistant, not {role!r}")
            if not isinstance(content, str):
                raise InputError(f"messages[{i}].content must be text")
            clean_text(content, f"messages[{i}]")
            msgs.append({"role": role, "content": content})
        if not msgs or msgs[-1]["role"] != "user":
            raise InputError("the last message must be from the user")
        system = [m["content"] for m in msgs if m["role"] == "system" and m["content"].strip()]
        turns = [m for m in msgs if m["role"] != "system"]
        context, previous, refused, follows, joined, after_summary = "", None, False, False, "", False
        answered_before = None  # the context of the last answered user turn before `previous`
        # the context of the last answered turn that holds a pasted document or asks for a summary
        summarized = summarized_before = ""
        summarized_turn = False
        norm_refusal = _norm(refusal) if refusal else None
        for m in turns:
            if m["role"] == "assistant":
                refused = bool(norm_refusal) and norm_refusal in _norm(m["content"])
                continue
            # after a refusal the refused turn is never context (dev: joining to it only carried the
            # refused topic along); a follow-up of the last answered turn before it ("What is the
            # hepatitis A vaccine?", "recommend a hotel in Bangkok" refused, "how long before the trip
            # should I get it?") is joined to that one; any other request stands alone (one reading)
            if refused and summarized_turn:  # the turn before was refused: not what is summarized
                summarized = summarized_before
            last = answered_before if refused else previous
            follows = last is not None and is_follow_up(m["content"])
            if follows and summarized and summarized not in last and _asks_for_summary(m["content"]):
                # "ok now rewrite the summary in simpler words" after a side question ("what is
                # hemiarthroplasty?") about the summarized note: the summary is of the note
                last = summarized
            joined = (f"{_topic_of(last, m['content']).rstrip()} {m['content'].strip()}"
                      if last is not None and (follows or not refused) else "")
            context = joined if follows else m["content"]
            after_summary = follows and (_holds_document(last) or _asks_for_summary(m["content"]))
            answered_before = last if refused else previous
            summarized_before = summarized
            summarized_turn = _holds_document(m["content"])
            if summarized_turn:
                summarized = context
            previous, refused = context, False
        return cls(request=turns[-1]["content"], context=context, history=turns[:-1], system=system,
                   follows_up=follows, joined=joined, subjectless=follows and is_subjectless(turns[-1]["content"]),
                   after_summary=after_summary,
                   own=bool(joined) and (speaks_of_own(turns[-1]["content"]) or (
                       follows and speaks_of_own(last) and not asks_in_general(turns[-1]["content"]))))

    def second_text(self) -> str | None:
        """The other reading `route` compares with `context`: the request alone for a follow-up, the
        joined text for any other request after an answered turn; None when there is none."""
        if not self.joined:
            return None
        other = self.request if self.follows_up else self.joined
        return other if other != self.context else None

    def route(self, router, has_documents: bool = False, doc_match: float | None = None):
        """The router's decision for the request in its conversation: `context` and, after an answered
        turn, the other reading (second_text) in one route_batch, combined by `routed`. `doc_match`
        (the user's collection's best score for `context`) is read for `context` only."""
        other = self.second_text()
        if other is None:
            return self.routed(router.route(self.context, has_documents=has_documents, doc_match=doc_match))
        first, second = router.route_batch([self.context, other], has_documents=has_documents,
                                           doc_match=[doc_match, None])
        return self.routed(first, second, router.oos, has_documents=has_documents)

    def _premised(self, scores: dict[str, float], has_documents: bool | None) -> dict[str, float]:
        """A follow-up's probabilities with those of a route whose premise is missing moved to the route
        the request is on (DOCS_ROUTE, SUMMARY_ROUTE above)."""
        if self.follows_up and has_documents and not self.after_summary:
            scores = _moved(scores, SUMMARY_ROUTE, DOCS_ROUTE)
        if has_documents and self.own:
            scores = _moved(scores, GENERAL_ROUTE, DOCS_ROUTE)
        if self.follows_up and has_documents is False and not self.after_summary:
            scores = _moved(scores, DOCS_ROUTE, GENERAL_ROUTE)
        return scores

    def routed(self, decision, other=None, oos: str = "out_of_scope", has_documents: bool | None = None):
        """The router's decision for `context`, read as a conversation reads it.

        With `other` (the router's decision for second_text(); `route` makes both): the two readings'
        probabilities combined (JOINED_WEIGHT) and the first route taken, refused only when `oos` (the
        router's out-of-scope route) is that route; reason "conversation" where that changes the
        decision. The router's own overrides for `context` (doc_match, emergency, needs_document)
        stand, and an emergency is never refused, nor is a follow-up with no subject of its own
        (is_subjectless: it asks about the answered turn's). `has_documents` (route passes it): with
        documents attached, a follow-up's summarization probability is advice's unless the follow-up
        or the turn it is joined to asks for a summary (_premised).
        Without it (one decision: a first turn, a turn after a refusal, or two readings that are one
        text; `route` then has no second reading): a follow-up of an answered turn is
        not refused for the router's doubt alone (reason "below_threshold", the in-scope probability
        under its floor: "examples?" after "What is an SSRI?"); it goes to the route the router ranked
        first. Refused when out of scope is that first route ("Write a poem about it.").
        Dev: follow-ups 0.833 with one decision, 0.896 with two (the module docstring)."""
        ruled = next((d for d in (decision, other) if d is not None and d.refused and d.reason in _RULE_REFUSALS), None)
        if ruled is not None:
            return ruled if ruled is decision else replace(decision, route=ruled.route, refused=True, reason=ruled.reason)
        if other is not None and self.joined and decision.reason not in _KEEP_REASONS:
            joined, alone = (decision, other) if self.follows_up else (other, decision)
            p = _combined(self._premised(joined.scores, has_documents), self._premised(alone.scores, has_documents),
                          JOINED_WEIGHT[self.follows_up])
            top = max(p, key=p.__getitem__)
            route, refused = top, top == oos
            reason = "conversation"
            if self.follows_up and not refused and oos in p and asks_about_money(self.request):
                route, refused, reason = oos, True, "out_of_scope_frame"
            if refused and decision.emergency and decision.emergency_mode != "informational":
                route, refused, reason = max((r for r in p if r != oos), key=p.__getitem__), False, "emergency"
            elif refused and self.subjectless:
                # no subject of its own: it asks about the answered turn's ("ok how do you get rid of it")
                route, refused, reason = max((r for r in p if r != oos), key=p.__getitem__), False, "follow_up"
            if route == decision.route and refused == decision.refused:
                return decision
            return replace(decision, route=route, refused=refused, confidence=p[route], scores=p, predicted=top,
                           in_scope=1.0 - p.get(oos, 0.0), reason=reason)
        if self.follows_up and decision.refused and decision.reason == "below_threshold" and decision.predicted:
            return replace(decision, route=decision.predicted, refused=False, reason="follow_up")
        return decision

    def recent(self, disclaimer: str = "", chars: int = HISTORY_CHARS, turns: int = HISTORY_TURNS) -> list[dict]:
        """The newest earlier turns that fit `chars` (answers without the disclaimer), oldest first;
        a long turn (a pasted report) is cut to what fits."""
        out, left = [], chars
        for m in reversed(self.history[-turns:]):
            text = m["content"].replace(disclaimer.strip(), "").strip() if disclaimer.strip() else m["content"].strip()
            if left <= 0 or not text:
                break
            out.append({"role": m["role"], "content": text[:left]})
            left -= len(text)
        out.reverse()
        if out and out[0]["role"] == "assistant":  # a chat template wants a user turn first
            out = out[1:]
        return out
