"""Emergency detection, independent of the route: whatever the route, an emergency gets the
urgent-care message first. Patterns are deliberately broad (a false alarm costs a banner; a miss
can cost a life), including questions about emergency conditions ("signs of a stroke") and the
most common phrasings in Spanish, French, German, Italian and Portuguese. Figurative or technical
uses of the same words ("kill the process", "stroke width", "unresponsive server") are removed
first. The router runs this on the user's own words, not on a pasted document whose history
mentions "chest pain" (see Router._emergency_text).
"""
from __future__ import annotations

import re

# kind -> patterns (matched on lower-cased, whitespace-collapsed text)
EMERGENCY_PATTERNS: dict[str, list[str]] = {
    "chest_pain": [r"chest (pain|pressure|tightness|hurts?|is (tight|hurting))", r"pain in (my|the|his|her) chest",
                   r"heart attack", r"crushing (pain|pressure)", r"tight(ness)? (in|across) (my|the) chest",
                   r"pain (spreading|radiating|going) (to|down|into) (my |his |her )?(left )?(arm|jaw)",
                   # es / pt / fr / de / it
                   r"dolor (de|en el) pecho", r"me duele (mucho |bastante )?el pecho", r"dor no peito",
                   r"douleur (à|a|dans) la poitrine", r"mal (à|a) la poitrine", r"brustschmerz",
                   r"schmerzen in der brust", r"dolore al petto", r"infarto", r"crise cardiaque"],
    "stroke": [r"face (is )?(droop|drooping|numb)", r"drooping (face|mouth)", r"slurr(ed|ing) (speech|words)",
               r"can'?t (speak|talk) (properly|clearly|right)", r"sudden (numbness|weakness|confusion|loss of vision)",
               r"one side of (my|his|her|the) (body|face)", r"\bstrokes?\b", r"worst headache",
               r"\bfast test\b", r"headache .{0,40}(emergency|er\b|a&e)",
               r"ne peut plus parler", r"paralys", r"schlaganfall", r"\bictus\b", r"\bderrame\b", r"\bavc\b"],
    "breathing": [r"can'?t breathe", r"cannot breathe", r"can'?t catch (my|his|her) breath", r"struggling to breathe",
                  r"short(ness)? of breath .{0,30}(sudden|severe|at rest|can'?t)", r"can'?t lie flat",
                  r"choking", r"lips (are |turning |going )?blue", r"pulmonary embol", r"\bblood clot in (my|the) lung",
                  r"no puedo respirar", r"me cuesta respirar", r"não consigo respirar", r"je n'?arrive pas (à|a) respirer",
                  r"ne respire plus", r"kann nicht atmen", r"atemnot", r"non riesco a respirare",
                  # too breathless to speak in sentences: a red flag of severe asthma
                  r"(can only|can'?t|cannot|unable to) (get out|say|speak|talk) (one|a|a few) words? at a time",
                  r"(can'?t|cannot|unable to) (speak|talk|finish|complete) (in )?(full|whole|complete) sentences",
                  r"too (breathless|out of breath) to (speak|talk)"],
    "anaphylaxis": [r"anaphyla", r"epi-?pen", r"throat (feels |is )?(tight|closing|swelling|swollen)",
                    r"(tongue|lips?|face) (is |are )?(swelling|swollen)", r"allergic reaction .{0,30}(breath|throat|swell)"],
    "overdose": [r"overdos", r"took (too many|a (whole )?(bottle|pack|bunch|handful)|all (my|the|of (my|the)))",
                 r"took (about |around |like )?\d+ (of )?(my |the )?(pills|tablets|tylenol|paracetamol|acetaminophen|"
                 r"ibuprofen|aspirin|sleeping pills)", r"swallowed (a bottle|all (my|the) pills|a bunch of pills)",
                 r"(won'?t|can'?t|doesn'?t|does not) wake up"],
    "poisoning": [r"swallowed (a |some )?(button )?batter(y|ies)", r"button batter", r"carbon monoxide",
                  r"(drank|swallowed|ate) (some )?(bleach|detergent|antifreeze|drain cleaner|poison|a (laundry|dishwasher) pod)",
                  r"\bpoison(ed|ing)\b"],
    "suicide": [r"suicid", r"kill(ing)? myself", r"end(ing)? (it all|my (own )?life)", r"take my (own )?life",
                r"want(ed)? to die", r"(don'?t|do not|no longer) want to (live|be alive|be here|wake up)", r"self[- ]harm", r"(want|going|thinking|thoughts|might|urge|tempted)\w* "
                r"(of |about |to |on )?(hurt|harm|cut)(ing)? myself", r"no reason to live", r"better off dead",
                r"quiero morir(me)?", r"je veux mourir", r"ich will (nicht mehr leben|sterben)", r"voglio morire",
                r"quero morrer", r"me quiero matar", r"me suicider"],
    "bleeding": [r"bleeding (heavily|a lot|badly|won'?t stop|that won'?t stop)", r"won'?t stop bleeding",
                 r"coughing (up )?blood", r"vomiting blood", r"throwing up blood", r"blood in (my|his|her) vomit"],
    "unconscious": [r"unconscious", r"not breathing", r"unresponsive", r"passed out", r"collapsed",
                    r"hit (my|his|her) head .{0,60}(blood thinner|warfarin|anticoagul|vomit|confus)",
                    r"(blood thinner|warfarin).{0,60}hit (my|his|her) head"],
    "seizure": [r"seizure (that )?(won'?t|doesn'?t|did not|didn'?t) stop", r"having a seizure", r"fitting and won'?t stop",
                r"first (ever )?seizure"],
    "severe_infection": [r"sepsis", r"septic", r"meningitis", r"fever .{0,40}(confused|confusion|stiff neck|rash)",
                         r"(confused|confusion|stiff neck) .{0,40}fever"],
    "diabetic": [r"ketoacidosis", r"\bdka\b", r"blood sugar (is |of |says |reads |meter says )?([4-9]\d\d|[3-9]\d\.\d)",
                 r"(meter|glucose|sugar) says ([4-9]\d\d)", r"hypo .{0,20}(unconscious|can'?t swallow|confused)"],
}

# Phrases that use the same words with no emergency; removed before matching.
_NEGATIVE = [
    r"kill(ing|ed|s)? (-9 |all |off )?(the|a|this|that|my|our|every|child|zombie|stuck|hung)? ?"
    r"(process|processes|job|jobs|task|tasks|thread|threads|server|session|container|pod|app|tab|query|pid)",
    r"\bkill -\d+", r"pkill|killall|sigkill",
    r"stroke[- ](of (genius|luck|midnight|a pen)|width|count|color|colour|order|style|rate)",
    r"(brush|pen|paint|key|back|breast|swim(ming)?|golf|tennis|master|heat ?sink) ?strokes?",
    r"heart attack (grill|burger)", r"(giv(e|es|ing)|gave) me a heart attack", r"(nearly|almost) had a heart attack",
    r"choking hazard", r"unconscious bias",
    r"(server|app|page|script|website|site|ui|browser|program|process|screen|system|computer|phone|laptop|"
    r"mouse|keyboard|service|node|pod|container|vm|database|api|endpoint|tab) (is |was |went |became |keeps going )?"
    r"(completely )?unresponsive", r"unresponsive (script|page|app|server|ui|tab|program)",
    r"suicide (squad|doors?|burpees?|sprints?|runs?|lane|mission|pact song)",
    r"(battery|phone|laptop|server|build|app|plant|car) (has )?(died|collapsed)", r"collapsed (section|menu|panel|row|view|state)",
    r"poison(ed|ing)? (pill|the well|the cache|dns|arp|cache)", r"(dns|cache|arp|data|model) poisoning",
    r"passed out (flyers|leaflets|the|copies|invitations)",
]

_COMPILED = {k: re.compile("|".join(f"(?:{p})" for p in v)) for k, v in EMERGENCY_PATTERNS.items()}
_NEG = re.compile("|".join(f"(?:{p})" for p in _NEGATIVE))


def _prepare(text: str) -> str:
    return _NEG.sub(" ", " ".join(text.lower().replace("’", "'").split()))


def detect_emergency(text: str) -> str | None:
    """Return the emergency kind (e.g. 'chest_pain') or None."""
    t = _prepare(text)
    for kind, pattern in _COMPILED.items():
        if pattern.search(t):
            return kind
    return None


# ---- urgent or informational -------------------------------------------------------------------
# Someone describing an emergency gets the urgent banner for its kind; someone asking *about* an
# emergency condition ("What are the warning signs of a stroke?", "What is sepsis?") gets the answer
# and a one-line pointer. Urgent is the default: only a request that reads as a general question,
# and says nothing about a person it is happening to now, is informational.
URGENT, INFORMATIONAL = "urgent", "informational"

# hypothetical clauses speak of nobody in particular: "what should I do if someone has a seizure"
_HYPOTHETICAL = re.compile(
    r"\b(if|when|whether|in case)\s+(someone|somebody|anyone|a person|a child|a baby|people|you|your\b[^,.?!]*|a (friend|"
    r"relative|family member|colleague|patient))\b[^,.?!]*|\bhow (do|can|would|should|could) (i|you|we) "
    r"(know|tell|recogni[sz]e|spot|help|support|check)\b|\bwhat (should|do|can|would) (i|you|we) do\b|"
    r"\bhow (can|do) i (help|support)\b[^,.?!]*|\bsi (alguien|una persona|quelqu'un|qualcuno|jemand)\b[^,.?!]*")
# a person it is happening to: the speaker, or someone with them
_PERSON = re.compile(
    r"\b(i|i'm|im|i've|ive|i'd|me|my|mine|myself|we|we're|us|our)\b|"
    r"\b(he|she|he's|she's|him|his|her|they're)\b|"
    r"\b(yo|me|mi|mis|je|j'|moi|mon|ma|mes|ich|mir|mich|mein|meine|meinem|meiner|io|mio|mia|eu|meu|minha)\b")
# ways of asking that put the speaker in the sentence without anything happening to them
_ASKING = re.compile(r"\b(can|could|would|will) you (please )?(tell|explain|show|give|help) me\b|\btell me\b|"
                     r"\bexplain (to me|me)\b|\bi (want|need|would like|'d like) to (know|understand|learn)\b|"
                     r"\bi('m| am) (curious|wondering)\b|\bi (read|heard|saw)\b|\bmy (teacher|textbook|class|course)\b")
# what a person says of themselves, even inside a question ("is it normal to want to die?")
_SELF_HARM_PHRASES = re.compile(r"want(ed|ing)? to die|kill(ing)? myself|end(ing)? (it all|my (own )?life)|take my (own )?life|"
                                r"better off (dead|without me)|no reason to live|(don'?t|do not|no longer) want to (live|be)|"
                                r"hurt(ing)? myself|harm(ing)? myself|cut(ting)? myself|quiero morir|je veux mourir|"
                                r"ich will (nicht mehr leben|sterben)|voglio morire|quero morrer|me quiero matar")
_NOW = re.compile(r"\b(right now|now|just|currently|at the moment|tonight|this morning|ago|since|keeps?|won't|can't)\b")
# the request reads as a general question about the condition
_QUESTION = re.compile(
    r"^(what|what's|whats|how|why|when|which|who|where|is|are|can|could|does|do|should|tell me|explain|define|"
    r"describe|list|qu[eé]|cu[aá]l|c[oó]mo|qu'est|quels?|quelles?|comment|was|welche|wie|cos'?[eè]|quali|come|"
    r"o que|quais|como)\b(?!')|"
    r"\b(signs|symptoms|warning signs|causes?|treatment|treated|risk factors|difference between|first aid|"
    r"s[ií]ntomas|signos|sympt[oô]mes|signes|symptome|anzeichen|sintomi|segni|sintomas|sinais)\b")


def emergency_mode(text: str, kind: str | None) -> str | None:
    """`urgent` or `informational` for a request whose emergency kind is `kind` (None when no kind)."""
    if kind is None:
        return None
    t = _prepare(text)
    if not _QUESTION.search(t):
        return URGENT
    if kind == "suicide" and _SELF_HARM_PHRASES.search(t):
        return URGENT
    rest = _ASKING.sub(" ", _HYPOTHETICAL.sub(" ", t))
    if _PERSON.search(rest):
        return URGENT
    if kind == "suicide" and _NOW.search(rest):
        return URGENT
    return INFORMATIONAL
