"""Whole-document work: read a file's text, summarize a document that may not fit the context window.

    text, pages = load_text("report.pdf")
    result = summarize_document(assistant, settings, Path("report.pdf"))   # Answer-like dict
    result = assistant.summarize(Path("report.pdf"))                      # the same, the public way

A document that fits (prompt + answer <= base_model.max_context_tokens) is summarized in one call.
A longer one goes map-reduce: token-aware pieces are summarized in batched `ExpertPool.generate`
calls (map), the partial summaries are summarized together (reduce, repeated until they fit).
The model's lines are checked against the document (a clause with a number or a word the document
does not have is left out); then every key fact of the document — vital signs, abnormal findings,
assessment, recommendations, medications, as whole sentences, list items or table rows copied
verbatim, filed by the document's own headings or, without headings, by their wording — that the
kept lines do not already say is added under its kind, so a 135M model's paraphrase never loses a
finding or a plan item, and nothing is said twice. `key_facts` in the result holds them all.
"""
from __future__ import annotations

import os
import re
import time
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


# ---- key facts (extractive) ---------------------------------------------------------------------
# A report is read as units — a sentence, a list item or a table row, verbatim and never cut — each
# filed under one kind. The heading a unit sits under decides first (the report's own headings:
# Markdown, ALL CAPS, numbered, underlined or a "Plan:" label); a unit without a telling heading
# (a report without headings, or a history paragraph) is filed by its own wording.
KINDS = {"vital_signs": "Vital signs", "abnormal_findings": "Abnormal findings", "assessment": "Assessment",
         "recommendations": "Recommendations", "medications": "Medications"}
_FACT_NAMES = KINDS  # the old name
MAX_PER_KIND = 40  # a safety bound for pathological input; a real report's plan is far shorter

_HEAD_KIND = [  # heading words -> kind, first match wins ("Discharge medications" before "discharge")
    ("medications", re.compile(r"medic|medicine|drug|prescri|\btto\b|treatment on discharge", re.I)),
    ("recommendations", re.compile(r"plan|recommend|follow[- ]?up|advice|next steps|management|actions?\b|"
                                   r"to do|instructions|referrals?\b|requests?\b|outcome|disposition", re.I)),
    ("assessment", re.compile(r"assessment|impression|conclusion|diagnos|summary|problem|opinion|"
                              r"interpretation|comment|formulation", re.I)),
    ("vital_signs", re.compile(r"vital|observation|measurement", re.I)),
    ("findings", re.compile(r"finding|result|exam|investigation|\blabs?\b|blood|imaging|test|panel|"
                            r"report|scan|echo|ultrasound|x-ray|radiograph|procedure|operat|culture", re.I)),
    ("history", re.compile(r"history|background|social|family|allerg|presenting|complaint|demograph|"
                           r"patient|details|reason|indication|clinical information|technique|consent|date|number|location|"
                           r"referring|referred by|clinician|cardiologist|consultant|doctor|\bGP\b|name|address|"
                           r"ward|\bdob\b|\bnhs\b|\bmrn\b|\bage\b|\bsex\b|occupation|copy|\bcc\b|requested by|"
                           r"collected|received|specimen|sample|authori[sz]ed", re.I)),
]
_SIGN_OFF = re.compile(r"^(signed|yours|electronically signed|dictated|authori[sz]ed by|verified by|reported by|cc\b|copy to|kind regards|best wishes|"
                       r"with best wishes|many thanks|dear\b)", re.I)
_VITAL = re.compile(
    r"(blood pressure|\bBP\b|heart rate|pulse|respiratory rate|resp(?:iratory)? rate|\bRR\b|oxygen saturation|"
    r"\bSp ?O2\b|\bsats?\b|temperature|\btemp\b|\bBMI\b|weight|height|waist|mmHg|\bbpm\b|beats per minute|"
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
    r"\boverweight|\bdeformit|\bscar|\bbleed|\bhaemorrh|\bhemorrh|\bgrowth|\bisolated|\bcultured|\bcfu\b)", re.I)
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
    r"attend|appointment|request\w*|consider\w*|needs?|must|to be (seen|repeated|checked|reviewed)|"
    r"(in|within|after) \d+ (days?|weeks?|months?|years?))\b", re.I)
_RECOMMEND_LEAD = re.compile(r"\s*(please|suggest|recommend|advise|repeat|refer|arrange|start|stop|continue|"
                             r"increase|reduce|review|follow|consider|check|book|request|recheck|monitor)\b", re.I)
_DRUG = re.compile(
    r"(\b\d+(?:\.\d+)?\s?(mg|mcg|µg|micrograms?|g|units?|ml|IU)\b(?!/)|\b(once|twice|three times|four times) "
    r"(a |per )?(day|daily|weekly)|\bnocte\b|\b(bd|tds|qds|od|prn)\b|as required|\binhaler|\btablets?\b|"
    r"\binjection|\bpatch\b|\b\w+(pril|sartan|olol|statin|formin|dipine|azole|cillin|mycin|floxacin|prazole|"
    r"parin|xaban|gatran|gliptin|gliflozin|semide|thiazide|glutide|lukast|solone|olone|"
    r"tropium|cycline|triptan|oxetine|zepam|profen)\b)", re.I)
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s?(?:-|–|—|to)\s?(\d+(?:\.\d+)?)")
_NUMBER = re.compile(r"(?<![\d.×x^])\d+(?:\.\d+)?(?![\d⁰¹²³⁴⁵⁶⁷⁸⁹])")  # not the 10 of "×10⁹/L"
_LABEL_ONLY = re.compile(r"^\s*(?:\d+[.)]\s*)?\**([A-Za-z][A-Za-z /&()-]{1,50}?)\**\s*:?\**\s*$")
_INLINE_LABEL = re.compile(r"^\s*(?:\d+[.)]\s*)?\**([A-Za-z][A-Za-z /&()-]{1,40}?)\**\s*:\**\s+\S")
_ITEM = re.compile(r"^\s*([-*•]|\d{1,2}[.)]\s|\|)")
_ABBREV = re.compile(r"(?:\b(?:Dr|Mr|Mrs|Ms|Prof|St|vs|approx|Fig|No|e\.g|i\.e|cf|ca|Ref|ref)|(?:^|[\s(])[A-Z])\.$")  # "J. Smith", not "37.8 °C."
_SENTENCE_GAP = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z0-9(\[\"'])")


def _sections_of(text: str):
    from retrieval.loaders import Section, sections_from_plain

    md = re.split(r"(?m)^#{1,6}\s+(.+)$", text)
    if len(md) > 1:  # Markdown headings
        out = [Section(None, md[0])] if md[0].strip() else []
        out += [Section(md[i].strip(" *"), md[i + 1]) for i in range(1, len(md) - 1, 2)]
        return out
    return sections_from_plain(text)


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


def _clean(unit: str) -> str:
    unit = unit.replace("**", "").strip(" -*•#\t")
    if unit.startswith("|") or unit.count("|") >= 2:  # a table row: its cells, one space apart
        unit = " | ".join(c.strip() for c in unit.strip("|").split("|") if c.strip())
    return " ".join(unit.split())


def report_units(text_or_sections) -> list[tuple[str, str]]:
    """(heading, unit) in reading order. The heading is the section's (or a label line's such as
    "Plan:" on its own); wrapped lines of one paragraph are joined before splitting into sentences."""
    sections = _sections_of(text_or_sections) if isinstance(text_or_sections, str) else text_or_sections
    out: list[tuple[str, str]] = []
    for sec in sections:
        heading, label = (sec.heading or "").strip(" *#:"), ""
        paragraphs: list[tuple[str, str]] = []  # (label, text)
        for ln in sec.text.splitlines():
            if not ln.strip() or set(ln.strip()) <= set("-|:= "):
                if paragraphs and paragraphs[-1][1]:
                    paragraphs.append((label, ""))  # a blank line ends the paragraph
                continue
            m = _LABEL_ONLY.match(ln)
            if m and (ln.rstrip().endswith(":") or ln.strip().startswith("**")) and not re.search(r"\d", ln):
                label = m.group(1).strip()
                paragraphs.append((label, ""))
                continue
            m = _INLINE_LABEL.match(ln)
            if m and _kind_of_heading(m.group(1)) in ("recommendations", "medications", "assessment",
                                                      "vital_signs", "findings", "history"):
                label = m.group(1).strip()
            prev = paragraphs[-1][1] if paragraphs else ""
            joins = (prev and not _ITEM.match(ln) and not m and not prev.rstrip().endswith((".", ":", "!", "?"))
                     and not prev.lstrip().startswith("|") and (ln.lstrip()[:1].islower() or prev.rstrip().endswith(
                         (",", " and", " or", " with", " of", " to", " the", " a", "-"))))
            if joins:
                paragraphs[-1] = (paragraphs[-1][0], prev.rstrip() + " " + ln.strip())
            else:
                paragraphs.append((label, ln.strip()))
        for lab, para in paragraphs:
            if not para:
                continue
            units = [para] if _ITEM.match(para) and para.lstrip().startswith("|") else _sentences(para)
            for u in units:
                u = _clean(u)
                if len(u) > 3 and re.search(r"[^\W\d_]", u):
                    out.append((f"{heading} {lab}".strip(), u))
    return out


def _kind_of_heading(heading: str) -> str | None:
    if len(heading.split()) > 6:  # a document's title ("Follow-up echocardiogram report, 2 May 2024"), no section name
        return None
    for kind, rx in _HEAD_KIND:
        if heading and rx.search(heading):
            return kind
    return None


def _out_of_range(unit: str) -> bool:
    """A value outside the reference range written beside it: 'K 5.9 mmol/L (3.5-5.3)'."""
    for m in _RANGE.finditer(unit):
        before = [float(x) for x in _NUMBER.findall(unit[:m.start()])]
        lo, hi = float(m.group(1)), float(m.group(2))
        if before and lo < hi and not (lo <= before[-1] <= hi):
            return True
    return bool(re.search(r"(\d+(?:\.\d+)?)[^\d<>]{0,30}\(\s*(?:ref\w*:?\s*)?<\s*(\d+(?:\.\d+)?)\s*\)", unit)) and \
        any(float(a) >= float(b) for a, b in re.findall(r"(\d+(?:\.\d+)?)[^\d<>]{0,30}\(\s*(?:ref\w*:?\s*)?<\s*(\d+(?:\.\d+)?)", unit))


def _abnormal(unit: str) -> bool:
    label = _INLINE_LABEL.match(unit)
    body = unit[label.end() - 1:] if label else unit  # "Abdomen: soft, non-tender": the label is no finding
    return bool(_ABNORMAL.search(_NEGATION.sub(" ", body)) or _out_of_range(unit))


def classify(heading: str, unit: str) -> str | None:
    """The kind of one unit of a report, or None when it is none of the key facts."""
    if _SIGN_OFF.match(unit):
        return None
    by_head = _kind_of_heading(heading)
    # the unit's own label outranks its section ("Plan: ..." inside "Assessment and plan")
    own = _INLINE_LABEL.match(unit)
    own_kind = _kind_of_heading(own.group(1)) if own else None
    if own_kind in ("recommendations", "medications", "assessment", "vital_signs", "history"):
        by_head = own_kind  # "Referring clinician: ..." is a header field, whatever section it is in
    if by_head == "assessment" and _RECOMMEND_LEAD.match(unit[own.end() - 1:] if own else unit):
        return "recommendations"  # "Comment: Please repeat on an early-morning sample ..."
    if by_head in ("recommendations", "medications", "assessment"):
        return by_head
    vital = bool(_VITAL.search(unit)) and bool(re.search(r"\d", unit)) and len(unit) < 200
    if by_head == "vital_signs":
        return "vital_signs" if re.search(r"\d", unit) else ("abnormal_findings" if _abnormal(unit) else None)
    if _RECOMMEND.search(unit) and by_head != "history":
        # "I have started ferrous sulfate 200 mg once daily": a medication change
        return "medications" if _DRUG.search(unit) and re.search(r"\d", unit) else "recommendations"
    if _ASSESS.search(_NEGATION.sub(" ", unit)) and by_head != "history":
        return "assessment"
    if by_head == "history":
        return "medications" if _DRUG.search(unit) and _RECOMMEND.search(unit) else None
    if vital:
        return "vital_signs"
    if _abnormal(unit):
        return "abnormal_findings"
    if _DRUG.search(unit) and re.search(r"\d", unit):
        return "medications"
    return None


def _label_free(kind: str, unit: str) -> str:
    return re.sub(rf"^{KINDS[kind]}\s*:\s*", "", unit, flags=re.I)  # no "Vital signs: Vital signs: ..."


def key_facts(text_or_sections, per_kind: int = MAX_PER_KIND) -> dict[str, list[str]]:
    """Vital signs, abnormal findings, assessment, recommendations and medications: units copied
    verbatim from the document, each once, each under one kind. Takes the document text, or the
    loader's sections (headings known from the file format)."""
    facts: dict[str, list[str]] = {k: [] for k in KINDS}
    seen: list[set] = []
    for heading, unit in report_units(text_or_sections):
        kind = classify(heading, unit)
        if kind is None or len(facts[kind]) >= per_kind:
            continue
        unit = _label_free(kind, unit)
        words = _word_set(unit)
        if any(words <= s for s in seen):  # said already (the report repeats its results in its summary)
            continue
        facts[kind].append(unit)
        seen.append(words)
    return facts


def _word_set(text: str) -> set[str]:
    return set(re.findall(r"[^\W_]+", text.lower()))


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
    w = w.lower()
    return w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith("ss") else w


def check_model_lines(text: str, report: str) -> dict[str, list[str]]:
    """The model's clauses that the report supports, by kind: each number as written in the report,
    and each word of 4+ letters in the report (or a common word). A 135M model writes
    "low\\ufffdmorrowed ALT" or a value of the wrong test; those clauses are left out."""
    numbers = set(_CLAIM_NUMBER.findall(report))
    words = {_fold(w) for w in re.findall(r"[^\W\d_]+", report)}
    out: dict[str, list[str]] = {k: [] for k in KINDS}
    kind = "abnormal_findings"
    for line in text.splitlines():
        m = _MODEL_LABEL.match(line)
        if m:
            kind = next(v for k, v in _LABEL_KIND.items() if m.group(1).lower().startswith(k))
            line = line[m.end():]
        for clause in _CLAUSE.split(line):
            clause = " ".join(clause.split()).strip(" ,;.")
            if len(clause) < 4 or not re.search(r"[^\W\d_]", clause):
                continue
            bad_num = [n for n in _CLAIM_NUMBER.findall(clause) if n not in numbers]
            bad_word = [w for w in re.findall(r"[^\W\d_]{4,}", clause)
                        if _fold(w) not in words and w.lower() not in _COMMON]
            if not bad_num and not bad_word and not re.search(r"\b(none|nil|n/a|not (stated|reported|given))\b",
                                                              clause, re.I):
                out[kind].append(clause)
    return out


def _restates(clause: str, unit: str) -> bool:
    """The clause says what the unit says: its numbers (one at least) and its longer words are the unit's
    ("BP 148/92 mmHg, HR 78 bpm" of "Her blood pressure was 148/92 mmHg and her pulse 78 bpm.")."""
    nums = set(_CLAIM_NUMBER.findall(clause))
    words = {_fold(w) for w in re.findall(r"[^\W\d_]{4,}", clause)} - _COMMON
    return bool(nums) and nums <= set(_CLAIM_NUMBER.findall(unit)) and words <= {_fold(w) for w in re.findall(
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
        text, pages, source, sections = doc.text, doc.pages, Path(path_or_text).name, doc.sections
    else:
        text, pages, source = str(path_or_text or ""), None, None
        sections = text
    if not text.strip():
        raise InputError("empty document: nothing to summarize")
    # the document is read and checked before any model loads: a bad file fails in a second
    pool = getattr(assistant_or_pool, "pool", assistant_or_pool)
    spec = settings.expert(expert) if expert else (settings.expert_for_route("summarization")
                                                   or settings.expert("summarization"))
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
    kept, added = merge(check_model_lines(final.text, text), facts)
    timings["check"] = round((time.perf_counter() - tc) * 1000, 1)
    lines = "\n".join(f"{KINDS[k]}: " + "; ".join(v) for k, v in kept.items() if v)
    block = _facts_block(added)
    answer = "\n\n".join(p for p in (lines, block, settings.disclaimer) if p)
    timings["total"] = round((time.perf_counter() - t0) * 1000, 1)
    note = (f"the document was summarized in {parts} parts (map-reduce) to fit the context window"
            if strategy == "map_reduce" else None)
    return {"route": "summarization", "expert": spec.name, "confidence": 1.0, "answer": answer,
            "finish_reason": final.finish_reason, "stop_reason": final.stop_reason, "sources": [],
            "timings_ms": timings, "note": note, "strategy": strategy, "parts": parts, "pages": pages,
            "source": source, "key_facts": facts, "emergency": None, "scores": {}}
