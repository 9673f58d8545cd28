"""Build data/reference/calibration.jsonl: the questions the library's "not covered" floor is fitted on.

    python data/reference/calibration.py

In-library questions come from the pages themselves (one per page and section, phrased from the
section's heading: "What are the common side effects of Ibuprofen?"), each also asked by one of the
page's aliases; out-of-library questions name topics the starter library has no page for (rare
conditions, niche medicines, non-medical lookalikes of medical words), checked against every title
and alias. This is development data of the project's own: the blind set (data/eval_medqa) is never
read here, nor used to fit anything.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

TEMPLATES = {
    "What it is": ["What is {t}?", "can you explain {t}"],
    "What it is for": ["What is {t} used for?", "what does {t} treat"],
    "How it works": ["How does {t} work?"],
    "How to take it": ["How should I take {t}?"],
    "Symptoms": ["What are the symptoms of {t}?", "signs of {t}?"],
    "Causes and risk factors": ["What causes {t}?", "who gets {t}"],
    "Tests and diagnosis": ["How is {t} diagnosed?"],
    "Treatment": ["How is {t} treated?", "best treatment for {t}"],
    "Outlook and prevention": ["Can {t} be prevented?"],
    "When to seek care": ["When should I see a doctor about {t}?"],
    "Common side effects": ["What are the side effects of {t}?", "{t} side effects"],
    "Serious side effects": ["What are the serious side effects of {t}?"],
    "Interactions and cautions": ["What should I not take with {t}?", "Is {t} safe in pregnancy?"],
    "What it measures": ["What does a {t} test measure?"],
    "Normal range": ["What is a normal {t}?", "normal {t} level"],
    "High values": ["What does a high {t} mean?"],
    "Low values": ["What does a low {t} mean?"],
    "Preparation": ["How do I prepare for {t}?"],
    "Why it is done": ["Why would I need {t}?"],
    "What happens": ["What happens during {t}?"],
    "Risks": ["What are the risks of {t}?"],
    "Recovery and results": ["How long is recovery after {t}?"],
    "Common causes": ["What causes {t}?"],
    "Self-care": ["How can I treat {t} at home?"],
    "Who it is for": ["Who should get the {t}?"],
}

# Topics a ~330-page starter library of common conditions has no page for.
OUTSIDE = [
    "Fabry disease", "Gaucher disease", "Pompe disease", "Wilson disease", "Niemann-Pick disease", "Tay-Sachs disease",
    "Erdheim-Chester disease", "Castleman disease", "Takayasu arteritis", "Kawasaki disease", "Behcet's disease",
    "Ehlers-Danlos syndrome", "Marfan syndrome", "acromegaly", "pheochromocytoma", "Cushing's syndrome",
    "myasthenia gravis", "Guillain-Barre syndrome", "amyotrophic lateral sclerosis", "Duchenne muscular dystrophy",
    "Huntington's disease", "narcolepsy", "Tourette syndrome", "trigeminal neuralgia", "Meniere's disease",
    "scleroderma", "pemphigus vulgaris", "hidradenitis suppurativa", "mastocytosis", "histoplasmosis",
    "leptospirosis", "Chagas disease", "leishmaniasis", "Ebola virus disease", "rabies", "leprosy", "porphyria",
    "hereditary angioedema", "paroxysmal nocturnal hemoglobinuria", "primary biliary cholangitis",
    "alpha-1 antitrypsin deficiency", "idiopathic pulmonary fibrosis", "sarcoidosis", "moyamoya disease",
    "Creutzfeldt-Jakob disease", "progressive supranuclear palsy", "Stevens-Johnson syndrome", "Kawasaki shock",
    "eculizumab", "nusinersen", "tafamidis", "ivacaftor", "migalastat", "teprotumumab", "burosumab", "voxelotor",
    "avatrombopag", "mavacamten", "risdiplam", "inclisiran",
    # everyday topics in common words, which the word check cannot catch: the floor must
    "hand, foot and mouth disease", "frozen shoulder", "tennis elbow", "plantar fasciitis", "ingrown toenail",
    "head lice", "bed bugs", "motion sickness", "jet lag", "altitude sickness", "snoring", "bad breath", "dandruff",
    "warts", "hiccups", "a stye", "dry eyes", "earwax", "tooth decay", "gum disease", "mouth ulcers", "sunburn",
    "whooping cough", "mumps", "scarlet fever", "croup", "bedwetting", "teething", "colic", "nappy rash",
    "threadworms", "a bunion", "a hangover", "heavy periods", "a ganglion cyst", "shin splints", "a black eye",
    "a broken toe", "a frozen pipe burst", "a splinter",
]
OUTSIDE_TEMPLATES = ["What is {t}?", "What are the symptoms of {t}?", "How is {t} treated?", "what causes {t}",
                     "how do I get rid of {t}"]


def main() -> int:
    from medrouter.core.config import load_config
    from retrieval.library import read_pages

    settings = load_config(None)
    pages = read_pages(settings)
    from retrieval.lexical import singular
    from retrieval.subject import tokens

    def key(name: str) -> set[str]:  # "Ehlers-Danlos syndromes" ~ "Ehlers-Danlos syndrome", "Huntington's" ~ "huntingtons"
        return {singular(w) for w in tokens(name)} - {"a", "disease", "syndrome"}

    names = [key(n) for p in pages for n in [p.title, *p.aliases]]
    rng = random.Random(0)
    rows = []
    for p in pages:
        for s in p.sections:
            forms = TEMPLATES.get(s.heading or "")
            if not forms:
                continue
            name = p.title if not p.aliases or rng.random() < 0.6 else rng.choice(p.aliases)
            rows.append({"question": rng.choice(forms).format(t=name), "covered": True, "page": p.id,
                         "section": s.heading})
    # a topic a page names in its title or an alias ("earwax" on ear wax removal, "mumps" on the MMR vaccine)
    skipped = [t for t in OUTSIDE if any(key(t) <= n for n in names)]
    for t in OUTSIDE:
        if t in skipped:
            continue
        for form in rng.sample(OUTSIDE_TEMPLATES, 2):
            rows.append({"question": form.format(t=t), "covered": False, "topic": t})
    out = HERE / "calibration.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(json.dumps({"written": str(out), "covered": sum(r["covered"] for r in rows),
                      "not_covered": sum(not r["covered"] for r in rows), "outside_topics_in_library": skipped}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
