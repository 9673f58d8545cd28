"""Whole-document work: read a file's text, summarize a document that may not fit the context window.

    text, pages = load_text("report.pdf")
    result = summarize_document(assistant, settings, Path("report.pdf"))   # Answer-like dict
    result = assistant.summarize(Path("report.pdf"))                      # the same, the public way

A document that fits (prompt + answer <= base_model.max_context_tokens) is summarized in one call.
A longer one goes map-reduce: token-aware pieces are summarized in batched `ExpertPool.generate`
calls (map), the partial summaries are summarized together (reduce, repeated until they fit).
The model's lines are checked against the document: a clause is kept only where one sentence, list
item or table row of the report holds its numbers and words (and no "no" it drops). Then every key fact
of the document — presenting problem, vital signs, abnormal findings, results, procedure, assessment,
recommendations, medications, as whole sentences, list items or table rows copied verbatim (Markdown
markup and list markers taken off), filed by the document's own headings (plain, CAPS, Markdown '#',
bold '**Plan**' / '**Plan:** ...', numbered, a section word alone on its line: 'Impression') or, without
headings, by their wording — that the kept lines do not already say is added under its kind. A table
row ('|' or aligned columns) is read against its reference cell and H/L flags; a value inside a range
that names a condition ("prediabetes range 42–47") is a finding; observations and results are kept when normal
(a pertinent negative: "troponin normal", "temperature 36.6 °C" in a discharge paragraph); alcohol over 14 units a week, current smoking and an
allergy are findings wherever they are written; an item of a plan list that names no action is a plan
item. A fact said twice (the report repeats a finding in its conclusion, under a label or not) is shown
once, the fuller way, and a '; '-part another fact says is shown once. A model clause that a shown
fact says is not shown beside it. `key_facts` in the result holds them all.
"""
from __future__ import annotations

import os
import re
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path

from medrouter.core.errors import InputError

MAP_BATCH = 4  # pieces per generate() call in the map step


def load_text(path: str | os.PathLike, max_file_mb: float | None = None) -> tuple[str, int]:
    """(text, pages) of a PDF / DOCX / TXT / Markdown / HTML file, through retrieval's loaders.
    `pages` is the PDF page count, else an estimate at 3,000 characters a page."""
    from retrieval.loaders import load_document
    from retrieval.store import CHARS_PER_PAGE

    doc = load_document(path, max_file_mb if max_file_mb is not None else 50.0)
    text = doc.text
    return text, doc.pages or max(1, -(-len(text) // CHARS_PER_PAGE))


# ---- the document a chat request asks to summarize -----------------------------------------------
# "Summarize this report: <text>", "<text>\n\nCan you sum this up?": the request's own instruction (a
# first or last line, or the words before a colon, that ask for a summary) is not part of the document.
_LEAD_INSTRUCTION = re.compile(r"^\s*([^\n:]{0,160}?)(?::|\n)\s*")
DOCUMENT_MIN_WORDS = 6  # fewer words than this after the instruction (or a short request for a summary): no document


def document_in_request(text: str) -> str:
    """The document pasted into `text`, without the request's own instruction to summarize it; "" when
    the request holds none ("Summarize my uploaded report")."""
    from router.text import asks_for_summary

    body = (text or "").strip()
    m = _LEAD_INSTRUCTION.match(body)
    if m and asks_for_summary(m.group(1)):
        body = body[m.end():]
    lines = body.rstrip().split("\n")
    if len(lines) > 1 and len(lines[-1].split()) <= 20 and asks_for_summary(lines[-1]):
        body = "\n".join(lines[:-1])
    body = body.strip()
    n = len(body.split())
    if n < DOCUMENT_MIN_WORDS or (n < 2 * DOCUMENT_MIN_WORDS and asks_for_summary(body)):
        return ""  # "Summarize my uploaded report", "tl;dr of my discharge letter please"
    return body


# ---- key facts (extractive) ---------------------------------------------------------------------
# A report is read as units — a sentence, a list item or a table row, verbatim and never cut — each
# filed under one kind. The heading a unit sits under decides first (the report's own headings:
# Markdown, ALL CAPS, numbered, underlined or a "Plan:" label); a unit without a telling heading
# (a report without headings, or a history paragraph) is filed by its own wording.
KINDS = {"presentation": "Presenting problem", "vital_signs": "Vital signs", "abnormal_findings": "Abnormal findings",
         "results": "Results", "procedure": "Procedure", "assessment": "Assessment", "recommendations": "Recommendations",
         "medications": "Medications"}
INHERITED = ("recommendations", "medications", "assessment", "findings", "vital_signs")  # a sub-label of no kind takes these
LIST_KINDS = ("recommendations", "assessment", "medications")  # kinds a list's other items take
MAX_PER_KIND = 40  # a safety bound for pathological input; a real report's plan is far shorter

_HEAD_KIND = [  # heading words -> kind, first match wins ("Discharge medications" before "discharge")
    ("procedure", re.compile(r"^\s*(procedures?|operations?|surgery)( performed| done)?\s*$", re.I)),
    # ("Past medical history" is history, "Family Medicine" a practice's name)
    ("medications", re.compile(r"medicat|\bmedicines\b|drug(?! allerg)|prescri|\btto\b|treatment on discharge",
                               re.I)),
    ("recommendations", re.compile(r"plan|recommend|follow[- ]?up|advice|next steps|management|actions?\b|"
                                   r"to do|instructions|referrals?\b|requests?\b|outcome|disposition|(?:patient|health|structured|diabetes) "
                                   r"education|education (?:given|provided)|"
                                   r"counsel|safety[- ]?net|driving|return to (work|sport|activit)|"
                                   r"^\s*(for|by|to) (the )?(gp|patient|parents?|carers?|hospital|team|practice|ward|"
                                   r"clinic|nurse|family)\b", re.I)),  # "For the GP:", "By the hospital:": who acts
    ("assessment", re.compile(r"assessment|impression|conclusion|diagnos|summary|problem|opinion|"
                              r"interpretation|comment|formulation", re.I)),
    ("vital_signs", re.compile(r"vital|observations", re.I)),
    ("findings", re.compile(r"finding|result|measurement|exam|investigation|\blabs?\b|blood(?! pressure)|imaging|test|panel|"
                            r"report|scan|echo|ultrasound|x-ray|radiograph|procedure|operat|culture", re.I)),
    # why the patient came: the complaint, a request's indication, a letter's concerns (not the past history)
    ("presentation", re.compile(r"presenting|complaint|presentation|reason for (referral|admission|attendance|visit)|"
                                r"indication|clinical (information|details|history)|concerns?\b|symptoms|"
                                r"questionnaire|history of present", re.I)),
    ("history", re.compile(r"history|background|social|family|allerg|presenting|complaint|demograph|"
                           r"patient|details|reason|indication|clinical information|technique|consent|date|number|location|"
                           r"referring|referred by|clinician|cardiologist|consultant|doctor|\bGP\b|name|address|"
                           r"ward|\bdob\b|\bnhs\b|\bmrn\b|\bage\b|\bsex\b|occupation|copy|\bcc\b|requested by|"
                           r"collected|received|specimen|sample|authori[sz]ed", re.I)),
]
_SIGN_OFF = re.compile(r"^(signed|yours|electronically signed|dictated|authori[sz]ed by|verified by|reported by|cc\b|copy to|kind regards|best wishes|"
                       r"with best wishes|many thanks|dear\b|thank you for (?:your|the) (?:letter|referral)\W*$|"
                       r"I (?:would|will) be (?:happy|glad|pleased) to|please do not hesitate|"
                       r"(?:my|our) (?:recommendations|plan|suggestions) (?:are|is) as follows|"
                       # a record of who was told, not a fact: "Telephoned to Dr. Kowalczyk at 14:05."
                       r"(?:telephoned|phoned|faxed|e-?mailed)\b|(?:results? )?discussed with (?:Mr|Mrs|Ms|Miss|Dr|the)\b|"
                       r"(?:date|time)(?: of [\w -]{1,30})?\s*:|(?:assessing|treating|reporting) (?:team|clinician)\s*:|"
                       r"(?:senior )?review(?:ed)? by\s*:|senior review\s*:\s*(?:Dr|Mr|Mrs|Ms|Prof)\b)", re.I)
_REFERRAL_THANKS = re.compile(r"^(?:many )?thanks? (?:you )?for (?:referring|asking me to see|your referral of)\b", re.I)
_SALUTATION = re.compile(r"^\s*(?:dear|to)\b[^.!?]{0,60},\s*$", re.I)  # "Dear Dr Shah," on its own line
_GRADE = re.compile(r"\b(?:FY|ST|CT|SpR|SHO|F)\d\b")  # "Dr. Eleanor Voss, FY2, for Dr. Benedikt Hartmann"
_VITAL = re.compile(
    r"(blood pressure|\bBP\b|heart rate|pulse|respiratory rate|resp(?:iratory)? rate|\bRR\b|oxygen saturation|"
    r"\bSp ?O2\b|\bsats?\b|temperature|\btemp\b|\bBMI\b|weight|height|waist|\d{2,3}/\d{2,3}\s?mmHg|\bbpm\b|beats per minute|"
    r"breaths per minute|°C)", re.I)
_ABNORMAL = re.compile(
    r"((?:^|[\s|(])(H|L|HH|LL|HIGH|LOW)\s*[|)]?\s*$|[↑↓]|\babnormal|\braised\b|\belevated\b|\bincreased\b|\breduced\b|"
    r"\bdecreased\b|\blow\b|\bhigh\b|\bdeficien|\bpositive\b|\bdetected\b|\benlarged\b|\bdilat|\bthicken|"
    r"\bmild(ly)?\b|\bmoderate(ly)?\b|\bsevere(ly)?\b|\bsignificant|\bnodul|\bmass\b|\blesion|\beffusion|"
    r"\bfractur|\bstenos|\bocclu|\bmurmur|\bwheez|\bcrackles|\btender|\bswell|\boedema|\bedema|\bcyst|"
    r"\bstone|\binflam|\binfect|\bconsolidat|\bulcer|\bpolyp|\bhernia|\bpain(ful)?\b|\bimpaired|\bpoor(ly)?\b|"
    r"\bwors|\bnew\b|\bprolong|\bdelayed|\bborderline|\babove\b|\bbelow\b|\boutside\b|\bout of range|"
    r"\bover\b target|\bsuboptimal|\buncontrolled|\bfatty|\bsteatos|\batroph|\bischaem|\bischem|\binfarct|"
    r"\bfibrillation|\btachycard|\bbradycard|\bhypo|\bhyper|\banaemi|\banemi|\bobes|"
    r"\boverweight|\bdeformit|\bscar|\bbleed|\bhaemorrh|\bhemorrh|\bgrowth|\bisolated|\bcultured|\bcfu\b|"
    r"\bosteopeni|\bosteopor|\berosion|\badhesion|\bcalcifi|\bthromb|\baneurysm|\bdysplas|\bcarcinoma|\badenoma|"
    r"\btumou?r|\bmalignan|\bmetasta|\bspiculat|\bobstruct|\bregurgita|\bhypertroph|\bdysfunction|\bimpairment|"
    r"\bdeficit|\btremor|\brigidity|\bbradykinesia|\banosmia|\bincontinen|\bnocturia|\bcaries|\bdeteriorat|"
    r"\bunsteady|\bweight loss|"
    # examination, imaging and microbiology words a normal finding does not use
    r"\bcrowded|\bfrail|\bfail(?:ed|s|ure)\b|\bdull\b|\bretract|\bfluid level|\bdistend|\bdistension|\bcalcul|"
    r"\b\w{3,}itis\b(?! [A-E]\b| (?:serology|screen|vaccin|immun|antibod|antigen|surface|test))|\bfocus of (?:increased )?uptake|\bavid\b|\bresistan|\bsensitive to\b|\bstreptococc|"
    r"\bstaphylococc|\bklebsiella|\bpseudomonas|\be\. coli|\benterococc|\bcandida|\bpneumoniae|\btear\b|\btorn\b|"
    r"\bruptur|\batelecta|\bopacit|\birregular|\basymmetr|\bpallor|\bjaundice|\bicter|\bcyanos|\bclubbing|\brash\b|"
    r"\blymphadenopath|\w+megaly\b|\bsclerosis|\bgliosis|\bhyperintens|\bhypointens|\bdemyelinat|\bplaque|"
    r"\bbruit|\bgallop|\bcrepitations?\b|\bcrepitus|\blaxity|\binstabilit|\brestricted|\blimited\b|\bweakness|"
    r"\bnumbness|\bparaesthes|\bsensory loss|\bhyperreflex|\bbrisk\b|\bclonus|\bupgoing|\bataxi|\bnystagmus|"
    r"\bptosis|\bpapilloedema|\bhaematuria|\bproteinuria|\bglycosuria|\bketon|\bnitrites? positive|\bplethor|"
    r"\bconstipat|\bST (?:depression|elevation)|\bT[- ]wave inversion|\bTWI\b|\bQ waves?\b|\b[LR]BBB\b|"
    r"\bbundle branch block|\bheart block|\bectopic|\bno longer\b)", re.I)
# what the negation strip would take for a "no": "Varicella zoster IgG: negative (non-immune)"
_ABNORMAL_NEGATIVE = re.compile(r"\b(non-?immune|not immune|susceptible|seronegative for|no immunity)\b", re.I)
_T_SCORE = re.compile(r"\b(?:T|T-score|Z|Z-score)\s*(?:of\s*)?[−-]\s?(\d+(?:\.\d+)?)", re.I)
_NEGATION = re.compile(r"\b(no|nil|not|without|negative for|free of|absence of|denies|denied|ruled out)\b"
                       r"[^,;.]*|\bnon-\w+", re.I)
_ASSESS = re.compile(
    r"\b(diagnos\w*|impression|assessment|consistent with|in keeping with|suggest\w*|likely|probabl[ey]|"
    r"possibl[ey]|suspect\w*|concern\w* (for|about)|compatible with|indicat\w*|differential|secondary to|"
    r"due to|confirm\w*|we think|I think|I believe|appears? to (be|have)|represents?)\b", re.I)
_RECOMMEND = re.compile(
    r"\b(recommend\w*|advis\w*|refer(red|ral|ring)?|arrang\w*|book\w*|schedul\w*|follow[- ]?up|"
    r"review (in|with|at|after|by)|to review|be reviewed|will review|repeat|recheck|re-check|monitor\w*|start|starting|commence|initiate|stop|stopping|"
    r"discontinue|withhold|continue|increase|reduce|decrease|switch|titrate|avoid|should|please|plan\w*|"
    r"will (be|need|have|see|arrange|review|contact|write|repeat|start|stop)|we will|I will|I have (asked|"
    r"arranged|requested|referred|started|increased|reduced|stopped)|I would|to return|return if|seek|"
    r"attend|appointment|request\w*|consider\w*|needs?|must|(?:is|are) to be \w+|to be (seen|given|done|repeated|checked|reviewed|offered|arranged)|"
    r"(in|within|after) \d+ (days?|weeks?|months?|years?))\b", re.I)
_RECOMMEND_LEAD = re.compile(r"\s*(please|suggest|recommend|advise|repeat|refer|arrange|start|stop|continue|"
                             r"increase|reduce|review|follow|consider|check|book|request|recheck|monitor)\b", re.I)
_DRUG = re.compile(
    r"(\b\d+(?:\.\d+)?\s?(mg|mcg|µg|micrograms?|g|units?|ml|IU)\b(?!/)|\b(once|twice|three times|four times) "
    r"(a |per )?(day|daily|weekly)|\bnocte\b|\b(bd|tds|qds|od|prn)\b|as required|\binhaler|\btablets?\b|"
    r"\binjection|\bpatch\b|\b\w+(pril|sartan|olol|statin|formin|dipine|azole|cillin|mycin|floxacin|prazole|"
    r"parin|xaban|gatran|gliptin|gliflozin|semide|thiazide|glutide|lukast|solone|olone|"
    r"tropium|cycline|triptan|oxetine|zepam|profen)\b)", re.I)
_MEASURE = re.compile(  # a measured value: "132 µmol/L", "18.6 × 10⁹/L", "560 L/min", "52 mm/h", "43 mmol/mol"
    r"\d(?:[\d.,]*\d)?\s?(?:[×x]\s?10\S*|%|(?:m|µ|u|n|p|k)?(?:mol|g|U|IU|L|iu)/(?:L|dL|mol|mmol|24 ?h|g|kg)\b|"
    r"mmol/mol|mU/L|mIU/m?L|fL|mm/h|L/min|mL/min|mL/m²|g/m²|cm²|m/s|ms\b|mmHg|ng/mL)")
_HISTORY_SYMPTOM = re.compile(r"\b(reports?|complain\w*|describes?|presented with|noticed|has had|developed|"
                              r"has become|worse|worsening|lost|can no longer|difficulty|pain|swelling|stiffness|"
                              r"breathless\w*|cough|fatigue|tired\w*|fevers?|nause\w*|vomit\w*|dizz\w*|palpitations?|"
                              r"weight loss)\b", re.I)
_PROSE_SYMPTOM = re.compile(r"\b(reports?|complain\w*|describes?|presented with|noticed|has become|"
                            r"has lost|lost (his|her|their)|can no longer|difficulty)\b", re.I)
# what a clinician reads as a conclusion though it says "no": "There are no red flags for an atypical
# parkinsonian syndrome", "No evidence of malignancy", "no bile duct or bowel injury"
_PERTINENT_NEGATIVE = re.compile(r"\bno (?:\w+ ){0,4}(?:red[- ]flags?|evidence of (?:malignan|metasta|invasi|carcinoma|"
                                 r"dysplas|cancer)\w*|(?:\w+ )?(?:malignan\w*|invasive \w+|dysplasia|injury|"
                                 r"complications?))\b", re.I)
_ADVICE = re.compile(r"\b(should (?:be|have|not)|needs? to|must|is advised|are advised|recommend\w*|suggest(?:ed)?|"
                     r"please|we will|I will|to be (?:given|repeated|checked|reviewed|started|stopped|seen))\b", re.I)
_PLAN_WORDS = re.compile(r"\b(?:in|within|after|for) \d+ (?:days?|weeks?|months?|years?)\b|\bto be\b|\bwill\b|"
                         r"\bshould\b|\bplease\b|\bplan\w*|\bhome (?:BP|blood pressure)|\bmonitor\w*|\btarget\b|"
                         r"\badvis\w*|\brefer\w*|\barrang\w*|\bstart\w*|\bstop\w*|\bcontinue|\bincrease|\breduce",
                         re.I)
_PROCEDURE = re.compile(r"\b(underwent|was performed|were performed|performed under|operation was)\b", re.I)
_SCORE = re.compile(r"\b(?:score|scale)\b[^.;]{0,30}?\b\d", re.I)
_NEGATIVE_ONLY = re.compile(r"^(?:(no|nil|denies|there (is|was|were) no|(he|she|they) (has|had|have|is|was) no|"
                            r"(he|she|they|the patient|patient) (denies|denied|reports no|reported no)|"
                            r"(he|she|they) (has|had|have|did|does|do|is|was|were) (not|never)|"
                            r"not|negative)\b|(non|ex)-?smoker\.?$|non-\w+\.?$)", re.I)
# a signature or a title line, not a fact: "Ruth Abernethy, OHNP", "Dr. Caroline Ashdown, Consultant Geriatrician",
# "Pre-employment Health Assessment"
_NAME_LINE = re.compile(r"^(?:(?:Dr|Mr|Mrs|Ms|Prof)\.?\s+)?[A-Z][\w'’-]+(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|da|of|and))+"
                        r"(?:,\s*[^,]{1,60}){0,3}$")
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s?(?:-|–|—|to)\s?(\d+(?:\.\d+)?)")
_NUMBER = re.compile(r"(?<![\d.×x^])\d+(?:\.\d+)?(?![\d⁰¹²³⁴⁵⁶⁷⁸⁹])")  # not the 10 of "×10⁹/L"
_LABEL_ONLY = re.compile(r"^\s*(?:\d+[.)]\s*)?\**([A-Za-z][A-Za-z /&()-]{1,50}?)\**\s*:?\**\s*$")
_INLINE_LABEL = re.compile(r"^\s*(?:\d+[.)]\s*)?\**([A-Za-z][A-Za-z /&()-]{1,40}?)\**\s*:\**\s+\S")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]\s|\d{1,2}[.)]\s)")
_ITEM = re.compile(r"^\s*([-*•]|\d{1,2}[.)]\s|\|)")
_ABBREV = re.compile(r"(?:\b(?:Dr|Mr|Mrs|Ms|Prof|St|vs|approx|Fig|No|no|e\.g|i\.e|cf|ca|Ref|ref)|(?:^|[\s(])[A-Z])\.$")  # "J. Smith", not "37.8 °C."
_SENTENCE_GAP = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z0-9(\[\"'])")
# Headings a report writes in Markdown ("## Assessment"), as a bold line ("**Plan**", "**Plan:**"), in
# capitals, underlined, or numbered ("2. Findings"); a numbered line is a heading only when it is a few
# words that name a section, so "1. Community-acquired pneumonia, right lower lobe" stays a list item.
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_BOLD_HEADING = re.compile(r"^\s*(?:\*\*|__)([^*_\n]{2,80}?)(?:\*\*|__)\s*:?\s*$")
_UNDERLINE = re.compile(r"^\s*([-=_~*])\1{2,}\s*$")
_NUMBERED_HEADING = re.compile(r"^\s*(?:\d{1,2}|[IVX]{1,4})[.)]\s+([A-Z][A-Za-z /&-]{2,40})\s*:?\s*$")
_SECTION_WORDS = frozenset("""history presenting presentation complaint complaints past medical surgical family social
drug drugs medication medications medicines allergies allergy examination exam examinations findings finding results
result investigations investigation labs lab bloods blood tests test imaging impression impressions assessment
assessments plan plans management recommendations recommendation follow up conclusion conclusions diagnosis diagnoses
summary opinion comment comments interpretation procedure procedures operation operative discharge admission treatment
treatments advice actions action next steps vital signs observations clinical details indication indications technique
report problems problem list current on and of the to for at in reason referral outcome disposition course hospital
progress education counselling safety netting review arrangements key other physical general systemic systems
laboratory radiology pathology histology histopathology microbiology cytology specimen macroscopic microscopic
measurements outstanding pending patient instructions pre post operative postoperative preoperative
endoscopic endoscopy addendum ultrasound echo""".split())
_TITLE_HEADING = re.compile(r"^[A-Z][A-Za-z]+(?:[ /&-]+[A-Za-z]+){0,3}$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")  # |---|:---:|
_ALIGNED = re.compile(r"[^\s.!?](?: {2,}|\t+)(?=\S)")  # cells set apart by runs of spaces ("Sodium    137    mmol/L")
_FLAG_CELL = re.compile(r"^(?:[<>≤≥]?\s*[-−]?\d[\d.,]*\s*)?(H|L|HH|LL|HIGH|LOW|High|Low|↑|↓|\*|NOTE|ABN|ABNORMAL|"
                        r"Abnormal|CRIT|CRITICAL|!)$")
_REF_CELL = re.compile(r"^\s*(?:[<>≤≥]\s*[-−]?\d+(?:\.\d+)?|[-−]?\d+(?:\.\d+)?\s?(?:-|–|—|to)\s?[-−]?\d+(?:\.\d+)?)"
                       r"(?:\s*[^\d\s].*)?$")
_REF_HEAD = re.compile(r"ref|normal|range|interval|target", re.I)
_OLD_HEAD = re.compile(r"previous|prior|last|baseline|old", re.I)


def _is_caps_heading(line: str) -> bool:
    s = line.strip().strip("*").strip()
    letters = [c for c in s if c.isalpha()]
    # "  " (runs of spaces) marks a fixed-width table row such as "ALT    31   U/L", not a heading
    return (3 <= len(s) <= 90 and len(letters) >= 3 and all(c.isupper() for c in letters)
            and "  " not in s and "|" not in s and not s.endswith((".", ",", ";")))


def _heading_of(line: str, next_line: str) -> tuple[str | None, bool]:
    """(heading, whether it takes the next line too) when `line` is a section heading, else (None, False)."""
    s = line.strip()
    if not s:
        return None, False
    m = _MD_HEADING.match(line)
    if m:
        return _clean(m.group(1)).rstrip(":"), False
    m = _BOLD_HEADING.match(line)
    if m and not m.group(1).rstrip().endswith(".") and len(m.group(1).split()) <= 8:
        return _clean(m.group(1)).rstrip(":"), False
    if _UNDERLINE.match(next_line) and len(s) <= 90 and "|" not in s and not _ALIGNED.search(s):
        return _clean(s).rstrip(":"), True
    if _is_caps_heading(line):
        return _clean(s).rstrip(":"), False
    m = _NUMBERED_HEADING.match(line)
    if m and len(m.group(1).split()) <= 4 and _kind_of_heading(m.group(1)):
        return m.group(1).strip(), False
    # a plain word or two on a line of its own, naming a section: "Impression", "Plan", "Follow up"
    # (only section words: "Westgate Medical Group" and "Urine culture positive" are no headings)
    if _TITLE_HEADING.match(s) and len(s.split()) <= 4 and _kind_of_heading(s) \
            and all(w in _SECTION_WORDS for w in re.findall(r"[a-z]+", s.lower())):
        return s, False
    return None, False


def _sections_of(text: str, first_heading: str | None = None):
    """The report's sections, at the headings it writes (see _heading_of), Markdown markers and all."""
    from retrieval.loaders import Section

    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").split("\n")
    out, heading, buf, skip = [], first_heading, [], False
    for i, ln in enumerate(lines):
        if skip:
            skip = False
            continue
        h, skip = _heading_of(ln, lines[i + 1] if i + 1 < len(lines) else "")
        if h is None:
            buf.append(ln)
            continue
        if "\n".join(buf).strip():
            out.append(Section(heading, "\n".join(buf).strip("\n")))
        # a bold sub-heading of no kind ("**Brain parenchyma:**" under "## Findings", "**For the GP**" under
        # "## Plan") is a part of its section: the section's kind goes on
        sub = _BOLD_HEADING.match(ln) and not _kind_of_heading(h)
        parent = heading if sub and heading and _kind_of_heading(heading) in INHERITED else None
        heading, buf = (parent if parent else h), []
    if "\n".join(buf).strip():
        out.append(Section(heading, "\n".join(buf).strip("\n")))
    return out


def _sentences(paragraph: str) -> list[str]:
    """Split at sentence ends only (never inside a word or a number: '5.9', 'Dr. Müller', 'e.g.')."""
    out, start = [], 0
    for m in _SENTENCE_GAP.finditer(paragraph):
        if _ABBREV.search(paragraph[start:m.start()]):
            continue
        close = len(m.group(0)) - len(m.group(0).lstrip("\"')]"))  # a closing quote or bracket stays
        out.append(paragraph[start:m.start() + close].strip())
        start = m.end()
    out.append(paragraph[start:].strip())
    return [u for u in out if u]


def _unmark(text: str) -> str:
    """Markdown emphasis off, the words kept: '**Stop doxazosin**' -> 'Stop doxazosin', '*E. coli*' -> 'E. coli'."""
    text = text.replace("**", "").replace("__", "")
    return re.sub(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])", r"\1", text)


def _clean(unit: str) -> str:
    unit = re.sub(r"^\s*(?:[-*•]\s+)?\d{1,2}[.)]\s+(?=\S)", "", _unmark(unit)).strip(" -*•#\t")  # list markers are markup
    if unit.startswith("|") or unit.count("|") >= 2:  # a table row: its cells, one space apart
        unit = " | ".join(c.strip() for c in unit.strip("|").split("|") if c.strip())
    return " ".join(unit.split())


def _cells(row: str) -> list[tuple[int, str]]:
    """(offset, text) of each cell of a table row: '|' cells, or cells set apart by runs of spaces."""
    if row.strip().startswith("|") or row.count("|") >= 2:
        out, pos = [], 0
        for c in row.split("|"):
            if c.strip():
                out.append((pos, _unmark(c).strip()))
            pos += len(c) + 1
        return out
    return [(m.start(), m.group(0).strip()) for m in re.finditer(r"\S(?:\S| (?! ))*", row)]


def _number(cell: str) -> float | None:
    m = re.match(r"\s*[<>≤≥]?\s*([-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?![\d/:])", cell)  # "6.1", "−2.7", "8,940"; not "12/11/2026"
    return float(m.group(1).replace("−", "-").replace(",", "")) if m else None


def _outside(value: float, ref: str) -> bool:
    """Whether a value lies outside a reference cell: '3.5-5.3', '< 34 (male)', '≥ 54', '> 60'."""
    m = re.match(r"\s*([<>≤≥])\s*([-−]?\d+(?:\.\d+)?)", ref)
    if m:
        bound = float(m.group(2).replace("−", "-"))
        return {"<": value >= bound, "≤": value > bound, ">": value <= bound, "≥": value < bound}[m.group(1)]
    m = re.match(r"\s*([-−]?\d+(?:\.\d+)?)\s?(?:-|–|—|to)\s?([-−]?\d+(?:\.\d+)?)", ref)
    if m:
        lo, hi = (float(x.replace("−", "-")) for x in m.groups())
        return lo < hi and not lo <= value <= hi
    return False


class _Table:
    """One table of a report: its header (column names by offset; for '|' tables by position), so a row
    is read as label, values, reference and previous values."""

    def __init__(self):
        self.header: list[tuple[int, str]] | None = None

    def column(self, i: int, offset: int, piped: bool) -> str:
        if not self.header:
            return ""
        if piped:
            return self.header[i][1] if i < len(self.header) else ""
        names = [name for start, name in self.header if start <= offset + 1]
        return names[-1] if names else ""

    def abnormal(self, row: str) -> bool | None:
        """True for a row flagged H/L or with a value outside the reference it gives, False for one in
        range, None when the row gives neither flag nor reference."""
        piped = row.strip().startswith("|") or row.count("|") >= 2
        cells = _cells(row)
        values, refs, flagged = [], [], False
        for i, (off, c) in enumerate(cells[1:], 1):
            col = self.column(i, off, piped)
            if _FLAG_CELL.match(c):
                flagged = True
            elif _REF_HEAD.search(col) or (not col and values and _REF_CELL.match(c)):
                refs.append(c)
            elif not _OLD_HEAD.search(col) and _number(c) is not None:
                values.append(_number(c))
        if not values and cells:  # "Interventricular septum (diastole) 1.4 cm     0.6-0.9": one space before the value
            nums = _NUMBER.findall(cells[0][1])
            values = [float(nums[-1])] if nums else []
        if flagged:
            return True
        if not refs:
            return None
        return any(_outside(v, r) for v in values for r in refs)


_JOINERS = (",", " and", " or", " with", " of", " to", " the", " a", "-")


def _is_row(line: str) -> bool:
    s = line.strip()
    return s.startswith("|") or s.count("|") >= 2 or len(_ALIGNED.findall(s)) >= 2


def report_units(text_or_sections) -> list[tuple[str, str]]:
    """(heading, unit) in reading order; see _units."""
    return [(h, u) for h, u, _ in _units(text_or_sections)]


def _units(text_or_sections, lists: bool = False) -> list[tuple]:
    """See _read_units; a document read a moment ago is not read again (key facts and the model-line
    check read the same one)."""
    key = text_or_sections if isinstance(text_or_sections, str) else \
        tuple((getattr(s, "heading", None), getattr(s, "text", str(s))) for s in text_or_sections)
    units = _cached_units(key)
    return list(units) if lists else [u[:3] for u in units]


@lru_cache(maxsize=4)  # the last few documents; thread-safe, unlike a dict trimmed by hand
def _cached_units(key) -> tuple:
    from retrieval.loaders import Section

    return tuple(_read_units(key if isinstance(key, str) else [Section(h, t) for h, t in key]))


def _read_units(text_or_sections) -> list[tuple]:
    """(heading, unit, table row out of range, list) in reading order. The heading is the most specific
    one that names a kind: a unit's own paragraph label ("**Opinion:** ..." and the list under it), then a
    label line ("Plan:" on its own, until the next), then the section's heading. Wrapped lines of one
    paragraph are joined before splitting into sentences; a list item and a table row are one unit.
    `list` is the number of the list a list item belongs to (items one after another under one label),
    None for a unit of no list; `_units` gives it with `lists`."""
    if isinstance(text_or_sections, str):
        sections = _sections_of(text_or_sections)
    else:  # a loader's sections (PDF, DOCX, HTML): the headings it read, and any the text itself writes
        sections = [s for sec in text_or_sections for s in _sections_of(sec.text, (sec.heading or "").strip() or None)]
    out: list[tuple] = []
    n_lists = 0
    for sec in sections:
        heading, label = (sec.heading or "").strip(" *#:"), ""
        paragraphs: list[list] = []  # [block label, label, text, table row out of range]
        block, table = "", None
        lines = sec.text.splitlines()
        for i, ln in enumerate(lines):
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if not ln.strip():
                if paragraphs and paragraphs[-1][2]:
                    paragraphs.append([block, label, "", None])  # a blank line ends the paragraph
                block, table = "", None
                continue
            if _TABLE_RULE.match(ln) or set(ln.strip()) <= set("-|:= "):
                continue
            if _is_row(ln) or (table is not None and _ALIGNED.search(ln.strip())):
                cells = _cells(ln)
                if table is None:
                    table = _Table()
                    # a header row: followed by |---|, or aligned names without a value
                    if _TABLE_RULE.match(nxt) or not any(_number(c) is not None for _, c in cells[1:]):
                        table.header = cells
                        continue
                paragraphs.append([block, label, ln, table.abnormal(ln)])
                continue
            table = None
            m = _LABEL_ONLY.match(ln)
            if m and (ln.rstrip().endswith(":") or ln.strip().startswith("**")) and not re.search(r"\d", ln):
                # a label of no kind under one that has a kind is a part of it: "For the GP:" under
                # "Follow-up and actions:", "Right kidney:" under "Findings:"
                if _kind_of_heading(m.group(1)) or _kind_of_heading(label) not in INHERITED:
                    label = m.group(1).strip()
                block = ""
                paragraphs.append([block, label, "", None])
                continue
            m = _INLINE_LABEL.match(ln)
            if not _ITEM.match(ln):
                block = ""  # a paragraph label covers its paragraph and the list right under it
            if m and _kind_of_heading(m.group(1)) in ("recommendations", "medications", "assessment",
                                                      "vital_signs", "findings", "history", "presentation"):
                block = m.group(1).strip()  # its paragraph, and the list right under it
            prev = paragraphs[-1][2] if paragraphs else ""
            # a wrapped line continues its paragraph or list item; a new item, label or row does not
            joins = bool(prev) and not _is_row(prev) and not _ITEM.match(ln) and not m and not _SALUTATION.match(prev) and (
                (not prev.rstrip().endswith((".", ":", "!", "?")) and (ln.lstrip()[:1].islower()
                                                                      or ln.lstrip()[:1] in "([&–"
                                                                      or prev.rstrip().endswith(_JOINERS)))
                or (bool(_ITEM.match(prev)) and ln.startswith((" ", "\t"))))
            if joins:
                paragraphs[-1][2] = prev.rstrip() + " " + ln.strip()
            else:
                paragraphs.append([block, label, ln.strip(), None])
        in_list, list_label = None, None
        for blk, lab, para, off in paragraphs:
            if not para:
                continue
            item = bool(_LIST_ITEM.match(para)) and not _is_row(para)  # "- x", "2. x", not "**Plan:** x"
            if not item or lab != list_label:
                in_list = None
            if item and in_list is None:
                n_lists, list_label = n_lists + 1, lab
                in_list = n_lists
            head = next((h for h in (blk, lab, heading) if h and _kind_of_heading(h)), heading)
            units = [para] if _is_row(para) else _sentences(para)
            for u in units:
                u = _clean(u)
                if len(u) > 3 and re.search(r"[^\W\d_]", u):
                    out.append((head, u, off, in_list))
    return out


def _kind_of_heading(heading: str) -> str | None:
    if len(heading.split()) > 6:  # a document's title ("Follow-up echocardiogram report, 2 May 2024"), no section name
        return None
    for kind, rx in _HEAD_KIND:
        if heading and rx.search(heading):
            return kind
    return None


_CONDITION_RANGE = re.compile(r"\b(pre-?diabet\w*|diabet\w*|deficien\w*|insufficien\w*|borderline|abnormal|"
                              r"raised|high|low|toxic|obes\w*|overweight|hypertensi\w*|osteopeni\w*|"
                              r"osteopor\w*|impaired|intermediate|moderate|severe|at[- ]risk|risk)\b[^()\d]{0,12}"
                              r"(range|band|zone|category|threshold)?\s*:?\s*$", re.I)


def _out_of_range(unit: str) -> bool:
    """A value outside the reference range written beside it: 'K 5.9 mmol/L (3.5-5.3)'."""
    for m in _RANGE.finditer(unit):
        before = [float(x) for x in _NUMBER.findall(unit[:m.start()])]
        lo, hi = float(m.group(1)), float(m.group(2))
        named = _CONDITION_RANGE.search(unit[max(0, m.start() - 40):m.start()])
        # "43 mmol/mol (prediabetes range 42–47)": inside a range that names a condition is a finding
        if before and lo < hi and (not (lo <= before[-1] <= hi)) != bool(named):
            return True
    return bool(re.search(r"(\d+(?:\.\d+)?)[^\d<>]{0,30}\(\s*(?:ref\w*:?\s*)?<\s*(\d+(?:\.\d+)?)\s*\)", unit)) and \
        any(float(a) >= float(b) for a, b in re.findall(r"(\d+(?:\.\d+)?)[^\d<>]{0,30}\(\s*(?:ref\w*:?\s*)?<\s*(\d+(?:\.\d+)?)", unit))


_ALCOHOL_UNITS = re.compile(r"\b(?:alcohol|drinks?|drinking|beer|wine|spirits)\b[^.;]{0,40}?\b(\d+(?:\.\d+)?)"
                            r"(?:\s?(?:-|–|to)\s?(\d+(?:\.\d+)?))?\s*units?\b|\b(\d+(?:\.\d+)?)"
                            r"(?:\s?(?:-|–|to)\s?(\d+(?:\.\d+)?))?\s*units? (?:of alcohol|alcohol)", re.I)
_SMOKER = re.compile(r"\b(current(?:ly)? (?:smok\w*|vap\w*)|smokes|is smoking|still smok\w*|\d+ cigarettes|"
                     r"\d+ (?:pack|cigs?)\b[^.;]{0,20}(?:a|per) day)", re.I)
_EX_SMOKER = re.compile(r"\b(ex-?smoker|former smoker|quit|stopped smoking|gave up|never smoked|non-?smoker)\b", re.I)
_ALLERGY = re.compile(r"\ballerg(?:y|ies|ic)\b|\bintoleran(?:ce|t)\b|\banaphyla", re.I)
_NO_ALLERGY = re.compile(r"\b(no|nil|not|nkda|none|denies|without)\b[^.;]{0,30}\ballerg|^\s*(allerg\w*|drug allerg\w*)"
                         r"\s*:?\s*(none|nil|nkda|no known)\b|\bnkda\b|\bnot known\b|^\s*(none|nil)\b", re.I)
# a relative's early heart disease, sudden death or a cancer or endocrine disease that runs in families:
# "His father had a myocardial infarction at 52", "his paternal uncle died suddenly at the age of 34"
_FAMILY_RISK = re.compile(r"\b(?:father|mother|brother|sister|sibling|uncle|aunt|grand(?:father|mother)|parents?|"
                          r"cousin|twin)\b[^.;]{0,80}?\b(?:(?:died|death)\b[^.;]{0,40}?\b(?:sudden\w*|unexplained|(?:age|aged|at) (?:of )?[1-5]\d\b|"
                          r"in (?:his|her|their) (?:teens|twenties|thirties|forties|fifties))|sudden\w*|"
                          r"myocardial infarction|MI|heart attack|"
                          r"stroke|cancer|carcinoma|tumou?r|stents?|bypass|cardiomyopathy|aneurysm|operation for|"
                          r"thyroid|parathyroid|pituitary|polyps?|dementia|parkinson\w*)\b", re.I)
_ADHERENCE = re.compile(r"\b(?:poor|variable|erratic|limited|non-?)\s?(?:adherence|complian\w*)|\bmissed (?:doses|insulin|"
                        r"medication)|\bomi(?:ssion|tted)\b|\bran out of\b", re.I)
UNITS_LIMIT = 14  # the UK weekly low-risk limit: more is a finding a clinician acts on


def _lifestyle_risk(unit: str) -> bool:
    """A risk the history states: alcohol over 14 units a week ("Alcohol approximately 24 units per week"),
    current smoking ("Smokes 15 cigarettes a day"); not "Alcohol 6 units a week", "Ex-smoker", "No alcohol"."""
    if _NEGATIVE_ONLY.match(unit):
        return False
    for m in _ALCOHOL_UNITS.finditer(unit):
        nums = [float(x) for x in m.groups() if x]
        if nums and max(nums) > UNITS_LIMIT and not re.search(r"\b(under|below|less than|<|reduce|limit|cut)\b",
                                                             unit[max(0, m.start() - 30):m.end()], re.I):
            return True
    if _FAMILY_RISK.search(unit) and not re.search(r"\bno (?:\w+ )?family history\b|\bnil of note\b", unit, re.I):
        return True
    if _ADHERENCE.search(unit):
        return True
    return bool(_SMOKER.search(unit)) and not _EX_SMOKER.search(unit)


def _abnormal(unit: str) -> bool:
    label = _INLINE_LABEL.match(unit)
    body = unit[label.end() - 1:] if label else unit  # "Abdomen: soft, non-tender": the label is no finding
    # a bone density T-score below -1.0 ("distal one-third radius T −2.7") is osteopenia or worse
    return bool(_ABNORMAL.search(_NEGATION.sub(" ", body)) or _out_of_range(unit) or _ABNORMAL_NEGATIVE.search(body)
                or any(float(v) >= 1.0 for v in _T_SCORE.findall(body)))


def classify(heading: str, unit: str, row: bool | None = None) -> str | None:
    """The kind of one unit of a report, or None when it is none of the key facts. `row`: for a table
    row, whether its values lie outside the reference it gives (None: it gives none)."""
    if _SIGN_OFF.match(unit) or (_NAME_LINE.match(unit) and not re.search(r"\d|[.:;]$", _GRADE.sub("", unit))):
        return None
    if _REFERRAL_THANKS.match(unit):  # "Thank you for referring Mr. Lefèvre ... for recurrent palpitations."
        return "presentation"
    if unit.endswith(":") and len(unit) < 120:  # "HISTOPATHOLOGY (Dr. Tariq Mahmood, Consultant Histopathologist):"
        return None
    if _NO_ALLERGY.search(unit) and len(unit) < 60:  # "No known drug allergies." under "Medications"
        return None
    by_head = _kind_of_heading(heading)
    # the unit's own label outranks its section ("Plan: ..." inside "Assessment and plan")
    own = _INLINE_LABEL.match(unit)
    own_kind = _kind_of_heading(own.group(1)) if own else None
    if own_kind == "history" and _MEASURE.search(unit) and _abnormal(unit):
        own_kind = None  # "Venous sample sent: ferritin 7 µg/L (low)": a result, not a header field
    if own_kind in ("recommendations", "medications", "assessment", "vital_signs", "history", "presentation"):
        by_head = own_kind  # "Referring clinician: ..." is a header field, whatever section it is in
    if by_head == "assessment" and (_RECOMMEND_LEAD.match(unit[own.end() - 1:] if own else unit)
                                    or (_ADVICE.search(unit) and not _ASSESS.search(unit) and not _abnormal(unit))):
        return "recommendations"  # "Comment: Please repeat on an early-morning sample ...", "Metformin should be stopped"
    if by_head in ("recommendations", "medications", "assessment"):
        return by_head
    if by_head in (None, "history", "findings", "presentation") and _lifestyle_risk(unit):
        return "abnormal_findings"  # "Alcohol approximately 24 units per week." in the social history
    if (_ALLERGY.search(unit) or (_ALLERGY.search(heading or "") and not own)) and not _NO_ALLERGY.search(unit) \
            and not _NEGATIVE_ONLY.match(unit) and by_head not in ("recommendations", "medications"):
        return "abnormal_findings"  # "Penicillin allergy (rash)": what a prescriber must see
    if by_head == "procedure" or (by_head in (None, "findings") and _PROCEDURE.search(unit)):
        return "procedure"
    if by_head == "presentation":  # why the patient came, but not what they do not have
        return None if _NEGATIVE_ONLY.match(unit[own.end() - 1:] if own else unit) else "presentation"
    vital = bool(_VITAL.search(unit)) and bool(re.search(r"\d", unit)) and len(unit) < 200
    if by_head == "vital_signs":
        return "vital_signs" if re.search(r"\d", unit) else ("abnormal_findings" if _abnormal(unit) else None)
    if row is not None and by_head != "history":  # a table row with a reference: the values decide
        return "abnormal_findings" if row else None
    if vital and by_head != "history" and not _RECOMMEND_LEAD.match(unit) and not _PLAN_WORDS.search(unit):
        return "vital_signs"  # "BP 148/92 mmHg on repeat.": a value, not a plan to repeat it
    if _RECOMMEND.search(unit) and by_head != "history":
        # "I have started ferrous sulfate 200 mg once daily": a medication change
        return "medications" if _DRUG.search(unit) and re.search(r"\d", unit) else "recommendations"
    if (_ASSESS.search(_NEGATION.sub(" ", unit)) or _PERTINENT_NEGATIVE.search(unit)) and by_head != "history":
        return "assessment"
    if by_head == "history":
        if _DRUG.search(unit) and _RECOMMEND.search(unit):
            return "medications"
        # "She reports fatigue, constipation and polyuria" in a history paragraph: a symptom, not background
        symptom = (_HISTORY_SYMPTOM.search(unit) and not re.search(r"past|medical|family|social|drug|allerg", heading, re.I)
                   and not _NEGATIVE_ONLY.match(unit))
        return "presentation" if symptom else None
    if vital:
        return "vital_signs"
    if by_head is None and _PROSE_SYMPTOM.search(unit) and not _NEGATIVE_ONLY.match(unit):
        return "presentation"  # a letter's "His handwriting has become smaller"
    if row if row is not None else _abnormal(unit):
        return "abnormal_findings"
    if _DRUG.search(unit) and re.search(r"\d", unit):
        return "medications"
    if (_MEASURE.search(unit) or _SCORE.search(unit)) and not _RANGE.search(unit):
        return "results"  # values without a range to read them by: shown as written
    return None


def fact_source(doc):
    """What key facts are read from, for a loaded document: a text or Markdown file's own text, with
    its '#' headings, bold labels and '|' tables as written (the loaders keep a plain file's text
    whole and take the markers out of Markdown); a PDF, DOCX or HTML file's sections."""
    if getattr(doc, "kind", "") in ("txt", "md"):
        from retrieval.loaders import _decode

        path = Path(doc.path)
        return _decode(path, path.read_bytes())
    return doc.sections


def _label_free(kind: str, unit: str) -> str:
    return re.sub(rf"^{KINDS[kind]}\s*:\s*", "", unit, flags=re.I)  # no "Vital signs: Vital signs: ..."


def key_facts(text_or_sections, per_kind: int = MAX_PER_KIND) -> dict[str, list[str]]:
    """The key facts — presenting problem, vital signs, abnormal findings, results, assessment,
    recommendations, medications — as units copied verbatim from the document, each once, each under
    one kind. Takes the document text, or the loader's sections (headings known from the file format).
    A unit that says no more than another (the report repeats a finding in its conclusion, "Mild aortic
    regurgitation." beside "Mild aortic and mild mitral regurgitation.") is shown once, the fuller one."""
    found: list[tuple[str, str, frozenset, frozenset]] = []  # kind, unit, its key, its key without its label

    def says(a: tuple, b: tuple) -> bool:  # b says all that a says
        # a label is read as a word only beside another label: "Retroflexion: grade II internal
        # haemorrhoids." is the conclusion's "Grade II internal haemorrhoids – likely contributor ...",
        # but "Left kidney: simple cyst." is not "Right kidney: simple cyst."
        return (a[3] if b[3] == b[2] else a[2]) <= b[2]

    units = _units(text_or_sections, lists=True)
    kinds = [classify(h, u, row) for h, u, row, _ in units]
    by_list: dict[int, list[int]] = {}
    for i, (_, _, _, n) in enumerate(units):
        if n is not None:
            by_list.setdefault(n, []).append(i)
    for idx in by_list.values():  # an item of a plan list is a plan item, though it names no action
        # ("Liver ultrasound and hepatitis B and C serology." among "Refer for ...", "Start ...")
        told = Counter("recommendations" if kinds[i] == "medications" else kinds[i] for i in idx if kinds[i])
        if len(idx) >= 3 and told:
            kind, n = told.most_common(1)[0]
            if kind in LIST_KINDS and n >= 2 and n * 3 >= sum(told.values()) * 2 and n * 2 >= len(idx):
                for i in idx:
                    if kinds[i] is None and _kind_of_heading(units[i][0]) != "history" \
                            and not _NEGATIVE_ONLY.match(units[i][1]) and not _SIGN_OFF.match(units[i][1]):
                        kinds[i] = "medications" if kind == "recommendations" and _DRUG.search(units[i][1]) else kind
    for (heading, unit, row, _), kind in zip(units, kinds):
        if kind is None:
            continue
        unit = _label_free(kind, unit)
        label = _INLINE_LABEL.match(unit)
        key = _key(unit)
        body = _key(unit[label.end() - 1:]) if label else key
        new = (kind, unit, key, body if len(body) >= 3 else key)
        if any(says(new, f) for f in found):  # said already
            continue
        found = [f for f in found if not says(f, new)]  # a later unit says it and more
        found.append(new)
    facts: dict[str, list[str]] = {k: [] for k in KINDS}
    keys = [f[2] for f in found]
    for i, (kind, unit, _, _) in enumerate(found):
        # a part two facts share stays with the later one: each is read against the others as now shown
        unit = _without_said_parts(unit, keys[:i] + keys[i + 1:])
        keys[i] = _key(unit)
        if len(facts[kind]) < per_kind:
            facts[kind].append(unit)
    return facts


_PART = re.compile(r";\s+(?![^()]*\))")  # "; " outside brackets: "142 (high risk; mortality 3%)" is one part


def _without_said_parts(unit: str, others: list[frozenset]) -> str:
    """The unit without a '; '-part (never the first) that another fact says all of: "Naproxen 500 mg twice
    daily - stopped (renal injury); avoid all NSAIDs." beside "... he has been advised to avoid all NSAIDs."
    keeps its first part. The parts kept are the report's words as written."""
    parts = _PART.split(unit)
    if len(parts) < 2:
        return unit
    keys = [_key(p) for p in parts]
    kept = [parts[0]] + [p for p, k in zip(parts[1:], keys[1:]) if not (len(k) >= 3 and any(k <= o for o in others))]
    if len(kept) == len(parts):
        return unit
    out = "; ".join(kept)
    end = unit.rstrip()[-1:]
    return out.rstrip(" ,;") + end if end in ".!?" and not out.rstrip().endswith(end) else out


def _key(text: str) -> frozenset:
    """A unit's words and numbers, normalised so that a repeat matches whatever its layout: case,
    plurals, markup and thousands separators ("8,940" is "8940") aside."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text.replace("−", "-"))
    return frozenset(_fold(w) for w in re.findall(r"\d+(?:\.\d+)?|[^\W\d_]+", text.lower())) - _FILLER


_FILLER = frozenset("a an the of and or to in on at for with is are was were be been has have had by as".split())


def _word_set(text: str) -> set[str]:
    return set(_key(text))


def _facts_block(facts: dict[str, list[str]], title: str = "Key facts from the document (copied verbatim):") -> str:
    parts = [f"{KINDS[k]}:\n" + "\n".join(f"- {u}" for u in v) for k, v in facts.items() if v]
    return title + "\n" + "\n".join(parts) if parts else ""


# ---- the model's lines, checked against the report ----------------------------------------------
_CLAUSE = re.compile(r";\s+|(?<=[a-z)%])[.!?]\s+(?=[A-Z])|,\s+(?=[A-Z][a-z])")
_MODEL_LABEL = re.compile(r"^\s*[-*•]?\s*\**(vital signs|abnormal findings?|findings|assessment|"
                          r"recommendations?|plan|medications?)\**\s*:\s*", re.I)
_LABEL_KIND = {"vital": "vital_signs", "abnorm": "abnormal_findings", "findin": "abnormal_findings",
               "assess": "assessment", "recomm": "recommendations", "plan": "recommendations",
               "medica": "medications"}
_CLAIM_NUMBER = re.compile(r"\d+(?:[.,/:]\d+)*")
_COMMON = frozenset("""the and for with from that this was were are has have had been his her their they them
patient patients also into over under after before since within which while shows showed show noted note
found seen reported report reports document normal signs vital findings finding abnormal recommendations
recommendation recommended plan advised advice assessment medications medication none given further
both each other than then there these those such some more most very well about year years old male female
summary results result""".split())


def _fold(w: str) -> str:
    from retrieval.lexical import singular  # the one plural rule

    return singular(w.lower())


def check_model_lines(text: str, report) -> dict[str, list[str]]:
    """The model's clauses that one unit of the report supports, by kind: a sentence, list item or row
    of the report holds each of the clause's numbers as written and each of its words of 4+ letters
    (or a common word), and a clause drops no 'no'/'not' of it. A 135M model writes
    "low\\ufffdmorrowed ALT", a value of another test ("Elevated blood pressure (6.4 mmol/L)" where 6.4 is
    the glucose) or "murmur" of "No murmurs"; those clauses are left out."""
    support = []
    for _, unit, _ in _units(report):
        support.append((set(_CLAIM_NUMBER.findall(unit)), {_fold(w) for w in re.findall(r"[^\W\d_]+", unit)},
                        bool(_NEGATION.search(unit))))
    out: dict[str, list[str]] = {k: [] for k in KINDS}
    kind = "abnormal_findings"
    for line in text.splitlines():
        m = _MODEL_LABEL.match(line)
        if m:
            kind = next(v for k, v in _LABEL_KIND.items() if m.group(1).lower().startswith(k))
            line = line[m.end():]
        for clause in _CLAUSE.split(line):
            clause = " ".join(clause.split()).strip(" ,;.")
            if len(clause) < 4 or not re.search(r"[^\W\d_]", clause) or \
                    re.search(r"\b(none|nil|n/a|not (stated|reported|given))\b", clause, re.I):
                continue
            if clause.count("(") != clause.count(")"):  # "ALT 52 U/L (mi": an answer cut off mid-clause
                continue
            nums = set(_CLAIM_NUMBER.findall(clause))
            words = {_fold(w) for w in re.findall(r"[^\W\d_]{4,}", clause) if w.lower() not in _COMMON}
            # its last word whole, whatever its length: "... hepatitis B and C ser" is a cut, not a word
            tail = re.findall(r"[^\W\d_]+$", clause)
            last = {_fold(tail[0])} if tail else set()
            negated = bool(_NEGATION.search(clause))
            if any(nums <= n and words <= w and last <= w and (negated or not neg) for n, w, neg in support):
                out[kind].append(clause)
    return out


def _restates(clause: str, unit: str) -> bool:
    """The clause says what the unit says: its numbers and its longer words (one at least) are the unit's
    ("BP 148/92 mmHg, HR 78 bpm" of "Her blood pressure was 148/92 mmHg and her pulse 78 bpm.", "flu
    vaccine" of "... influenza vaccine given today."): shown beside the unit it would say it twice."""
    nums = set(_CLAIM_NUMBER.findall(clause))
    words = {_fold(w) for w in re.findall(r"[^\W\d_]{4,}", clause)} - _COMMON
    return bool(nums or words) and nums <= set(_CLAIM_NUMBER.findall(unit)) and words <= {_fold(w) for w in re.findall(
        r"[^\W\d_]+", unit)}


def merge(model: dict[str, list[str]], facts: dict[str, list[str]]) -> tuple[dict, dict]:
    """(model clauses kept, facts added): a report unit said by a model clause (all its words there)
    is not added again; a model clause whose words a unit holds gives way to the verbatim unit; a
    clause said twice is kept once."""
    units = [(k, u, _word_set(u)) for k, v in facts.items() for u in v]
    kept: dict[str, list[str]] = {k: [] for k in KINDS}
    kept_sets: list[set] = []
    for k, clauses in model.items():
        for c in clauses:
            ws = _word_set(c)
            if any(ws <= s for s in kept_sets) or any(ws <= s or _restates(c, u) for _, u, s in units):
                continue
            kept[k].append(c)
            kept_sets.append(ws)
    added: dict[str, list[str]] = {k: [] for k in KINDS}
    for k, u, s in units:
        if not any(s <= ks for ks in kept_sets):
            added[k].append(u)
    return kept, added


# ---- summarization ------------------------------------------------------------------------------
def _is_path(x) -> bool:
    # Only a pathlib.Path names a file: a pasted string that happens to look like a server path
    # ("/etc/passwd") must be summarized as text, never read from disk.
    return isinstance(x, Path)


def summarize_document(assistant_or_pool, settings, path_or_text, max_new_tokens: int | None = None,
                       expert: str | None = None) -> dict:
    """Summarize a whole document (file path or text). Returns an Answer-like dict:
    route, expert, answer (summary + key facts + disclaimer), finish_reason, stop_reason, sources ([]),
    timings_ms, note, strategy ("single" | "map_reduce"), parts, pages, key_facts."""
    from experts import GenerationRequest
    from experts.prompting import build_messages

    t0 = time.perf_counter()
    if _is_path(path_or_text):
        from retrieval.loaders import load_document

        doc = load_document(path_or_text, settings.retrieval.max_file_mb)
        text, pages, source, sections = doc.text, doc.pages, Path(path_or_text).name, fact_source(doc)
    else:
        text, pages, source = str(path_or_text or ""), None, None
        sections = text
    if not text.strip():
        raise InputError("empty document: nothing to summarize")
    # the document is read and checked before any model loads: a bad file fails in a second
    spec = settings.expert(expert) if expert else (settings.expert_for_route("summarization")
                                                   or settings.expert("summarization"))
    if spec.grounding.answer == "quotes":  # the report's own key facts, verbatim: no model runs
        tc = time.perf_counter()
        facts = key_facts(sections)
        summary = _facts_block(facts)
        timings = {"check": round((time.perf_counter() - tc) * 1000, 1), "total": round((time.perf_counter() - t0) * 1000, 1)}
        return _summary_result(spec, settings, summary, "stop", "extracted", timings, None, "extract", 1, pages,
                               source, facts)
    pool = getattr(assistant_or_pool, "pool", assistant_or_pool)
    gen = spec.generation.model_copy(update={"max_new_tokens": max_new_tokens}) if max_new_tokens else spec.generation
    tok = getattr(pool, "tokenizer", None)
    if tok is None:
        from medrouter.core.errors import ConfigError

        raise ConfigError(f"summarizing a whole document needs the in-process experts (serve.backend: transformers): "
                          f"it counts the document's tokens to fit the context; the '{getattr(pool, 'name', '?')}' "
                          "backend has no tokenizer here. `medrouter summarize FILE` always runs in-process")
    context = settings.base_model.max_context_tokens
    overhead = len(tok.apply_chat_template(build_messages(spec, "x"), add_generation_prompt=True, tokenize=True))
    budget = context - gen.max_new_tokens - overhead - 16  # tokens of document per call
    if budget < 64:
        raise InputError(f"base_model.max_context_tokens ({context}) leaves no room for a document after "
                         f"{gen.max_new_tokens} answer tokens")

    def n_tokens(s: str) -> int:
        return len(tok(s, add_special_tokens=False)["input_ids"])

    def run(texts: list[str]) -> list:
        out = []
        for i in range(0, len(texts), MAP_BATCH):
            reqs = [GenerationRequest(spec.name, build_messages(spec, t), gen) for t in texts[i:i + MAP_BATCH]]
            out.extend(pool.generate(reqs))
        return out

    timings: dict = {}
    strategy, parts, rounds = "single", 1, 0
    current = text
    while n_tokens(current) > budget:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        strategy, rounds = "map_reduce", rounds + 1
        splitter = RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
            tok, chunk_size=budget, chunk_overlap=min(64, budget // 8), separators=["\n\n", "\n", ". ", " ", ""])
        pieces = splitter.split_text(current)
        if rounds == 1:
            parts = len(pieces)
        tm = time.perf_counter()
        partial = run([f"Part {i} of {len(pieces)} of a medical document:\n\n{p}" for i, p in enumerate(pieces, 1)])
        timings[f"map_{rounds}"] = round((time.perf_counter() - tm) * 1000, 1)
        joined = "\n\n".join(f"Summary of part {i}:\n{g.text}" for i, g in enumerate(partial, 1))
        if n_tokens(joined) >= n_tokens(current) or rounds >= 4:  # not shrinking: keep what fits
            current = tok.decode(tok(joined, add_special_tokens=False)["input_ids"][:budget])
            break
        current = joined
    tr = time.perf_counter()
    final = run([current])[0]
    timings["reduce" if strategy == "map_reduce" else "generate"] = round((time.perf_counter() - tr) * 1000, 1)
    # The model's lines are shown only where the report supports them; every key fact of the report
    # that they do not say is added verbatim under its kind, and nothing is said twice.
    tc = time.perf_counter()
    facts = key_facts(sections)
    kept, added = merge(check_model_lines(final.text, sections), facts)
    timings["check"] = round((time.perf_counter() - tc) * 1000, 1)
    lines = "\n".join(f"{KINDS[k]}: " + "; ".join(v) for k, v in kept.items() if v)
    summary = "\n\n".join(p for p in (lines, _facts_block(added)) if p)
    timings["total"] = round((time.perf_counter() - t0) * 1000, 1)
    note = (f"the document was summarized in {parts} parts (map-reduce) to fit the context window"
            if strategy == "map_reduce" else None)
    return _summary_result(spec, settings, summary, final.finish_reason, final.stop_reason, timings, note, strategy,
                           parts, pages, source, facts)


def _summary_result(spec, settings, summary: str, finish_reason, stop_reason, timings, note, strategy, parts, pages,
                    source, facts) -> dict:
    """summarize_document's Answer-like dict: `summary` is the checked text, `answer` it with the disclaimer."""
    return {"route": "summarization", "expert": spec.name, "confidence": 1.0, "summary": summary,
            "answer": "\n\n".join(p for p in (summary, settings.disclaimer) if p),
            "finish_reason": finish_reason, "stop_reason": stop_reason, "sources": [],
            "timings_ms": timings, "note": note, "strategy": strategy, "parts": parts, "pages": pages,
            "source": source, "key_facts": facts, "emergency": None, "scores": {}}
