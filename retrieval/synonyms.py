"""Medical query expansion: brand <-> generic names and lay <-> clinical terms.

Users ask "how much Lipitor", "my water pill", "bad cholesterol"; documents say atorvastatin,
furosemide, LDL. Each group below is a set of interchangeable phrasings; a query that contains one of
them gets the others added to its lexical query (BM25) and to the text whose embedding is searched.
The table is data: add a group, no code change. Matching is on whole words, case-insensitive.
"""
from __future__ import annotations

import re

GROUPS: list[tuple[str, ...]] = [
    # brand <-> generic
    ("lipitor", "atorvastatin"),
    ("entresto", "sacubitril/valsartan", "sacubitril", "valsartan"),
    ("lasix", "furosemide", "water pill", "water tablet", "diuretic"),
    ("jardiance", "empagliflozin"),
    ("forxiga", "farxiga", "dapagliflozin"),
    ("tritace", "altace", "ramipril"),
    ("ventolin", "salbutamol", "albuterol", "reliever", "blue inhaler"),
    ("symbicort", "budesonide/formoterol", "budesonide", "formoterol"),
    ("qvar", "clenil", "beclometasone", "beclomethasone"),
    ("nurofen", "advil", "motrin", "ibuprofen", "anti-inflammatory painkiller"),
    ("panadol", "tylenol", "paracetamol", "acetaminophen"),
    ("glucophage", "metformin"),
    ("cardicor", "concor", "bisoprolol", "beta-blocker"),
    ("aldactone", "spironolactone"),
    ("norvasc", "istin", "amlodipine"),
    ("losalt", "salt substitute"),
    ("prednisolone", "steroid tablets", "rescue pack", "oral steroid"),
    ("hydroxocobalamin", "b12 injection", "vitamin b12"),
    # lay <-> clinical
    ("heart scan", "heart ultrasound", "echo", "echocardiogram"),
    ("heart pumping", "pumping", "ejection fraction", "lvef", "systolic function"),
    ("leaky valve", "leaky", "regurgitation"),
    ("heart valve", "mitral valve", "valve"),
    ("bad cholesterol", "ldl"),
    ("good cholesterol", "hdl"),
    ("liver enzyme", "alt", "alanine aminotransferase", "liver function"),
    ("sugar level", "blood sugar", "glucose", "hba1c", "long-term blood sugar"),
    ("protein in urine", "albumin:creatinine ratio", "acr", "albuminuria", "urine albumin"),
    ("kidney test", "kidney function", "renal function", "egfr", "creatinine"),
    ("oxygen level", "oxygen saturation", "spo2", "sats"),
    ("blood pressure", "bp", "hypertension"),
    ("high blood pressure", "hypertension"),
    ("lung function", "spirometry", "fev1"),
    ("heel tendon", "achilles", "achilles tendinopathy"),
    ("preventer", "controller", "inhaled steroid"),
    ("nylon thread test", "monofilament"),
    ("eye photos", "retinal photography", "eye screening", "retinopathy"),
    ("tummy bug", "vomiting", "diarrhoea", "diarrhea", "sick day rules"),
    ("weight shoots up", "weight goes up", "weight gain"),
    ("big arms", "large arm", "large cuff", "arm circumference"),
    ("chest infection", "pneumonia", "respiratory infection"),
    ("antibiotic", "doxycycline", "amoxicillin"),
    ("heart attack", "myocardial infarction"),
    ("stroke", "cerebrovascular accident"),
    ("icd", "implantable cardioverter-defibrillator", "defibrillator"),
    ("fluid", "fluids", "drink"),
    ("water tablet", "water pill", "diuretic"),
    ("thrush", "candida", "oral thrush"),
    ("work medical", "occupational health", "physical examination"),
    ("left hospital", "sent home", "went home", "hospital stay", "discharge", "discharged"),
    ("admitted", "admission", "came into hospital"),
    ("got better", "better", "improved", "improvement"),
    ("percentage", "percent"),
]


def _compile() -> list[tuple[re.Pattern, tuple[str, ...]]]:
    out = []
    for group in GROUPS:
        for term in group:
            out.append((re.compile(r"(?<![\w/])" + re.escape(term) + r"(?![\w/])", re.I), group))
    return out


_PATTERNS = _compile()


def groups_in(query: str) -> list[tuple[str, ...]]:
    """The synonym groups `query` mentions."""
    out: list[tuple[str, ...]] = []
    for rx, group in _PATTERNS:
        if group not in out and rx.search(query):
            out.append(group)
    return out


def expansions(query: str) -> list[str]:
    """Terms to add to `query`: the other members of every group one of whose terms it contains."""
    found: list[str] = []
    seen = {query.lower()}
    for rx, group in _PATTERNS:
        if rx.search(query):
            for t in group:
                if t not in seen and not re.search(r"(?<![\w/])" + re.escape(t) + r"(?![\w/])", query, re.I):
                    seen.add(t)
                    found.append(t)
    return found


def expand(query: str) -> str:
    extra = expansions(query)
    return f"{query} ({', '.join(extra)})" if extra else query
