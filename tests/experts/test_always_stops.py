"""The old system's failure "generation sometimes never stopped": 50 requests on the embedded base with
the shipped experts' system prompts and generation settings; none may end on max_new_tokens."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest

from experts import GenerationRequest
from experts.prompting import build_messages

QUESTIONS = [
    "What is hypertension?", "How does metformin work?", "What are the symptoms of anemia?",
    "What is a normal resting heart rate?", "Why do my knees crack when I squat?", "What causes migraines?",
    "Is ibuprofen safe with high blood pressure?", "What does HbA1c measure?", "How is type 2 diabetes diagnosed?",
    "What is the difference between a virus and a bacterial infection?", "What is asthma?",
    "How do statins lower cholesterol?", "What are the early signs of a stroke?", "What is an MRI used for?",
    "What causes kidney stones?", "How long does the flu last?", "What is gout?", "What does the thyroid do?",
    "Is it normal to have a fever after a vaccine?", "What is atrial fibrillation?", "What is celiac disease?",
    "How is pneumonia treated?", "What are the side effects of amoxicillin?", "What is osteoporosis?",
    "What does a high white blood cell count mean?", "How much sleep do adults need?", "What is sepsis?",
    "What causes heartburn?", "What is a hernia?", "How does insulin work?",
]
REPORTS = [
    "Physical examination report. Vital signs: BP {bp} mmHg, HR {hr} bpm, temperature 36.8 C, SpO2 98%. "
    "Heart: regular rhythm, no murmurs. Lungs: clear. Abdomen: soft, non-tender. {finding} "
    "Recommendation: {rec} Please summarize this report."
    .format(bp=bp, hr=hr, finding=f, rec=r)
    for bp, hr, f, r in [
        ("150/95", 88, "Mild ankle edema.", "start lifestyle changes and recheck BP in 4 weeks."),
        ("120/80", 72, "Small skin lesion on the back.", "dermatology referral."),
        ("138/88", 95, "Wheezing on expiration.", "spirometry and inhaler review."),
        ("110/70", 64, "No abnormal findings.", "routine follow-up in one year."),
        ("165/100", 102, "Irregular pulse.", "ECG today and cardiology referral."),
        ("128/84", 80, "Enlarged thyroid.", "thyroid function tests and ultrasound."),
        ("142/90", 76, "Reduced sensation in both feet.", "HbA1c and foot care education."),
        ("118/76", 110, "Fever and productive cough.", "chest X-ray and review in 48 hours."),
        ("134/86", 70, "Tenderness over the right knee.", "physiotherapy and ibuprofen as needed."),
        ("126/82", 68, "BMI 31.", "dietitian referral and weight check in 3 months."),
    ]
]


@dataclass
class Excerpt:
    source: str
    page: int | None
    text: str


ADVICE = [
    ("When can I go back to work?", "You may return to office work two weeks after the operation if the wound has healed."),
    ("What should I eat?", "Follow a low-salt diet, under 5 g of salt a day, with plenty of vegetables."),
    ("How often should I check my blood sugar?", "Check your blood glucose before breakfast and before dinner every day."),
    ("Can I exercise?", "Walk 30 minutes a day; avoid heavy lifting for six weeks after discharge."),
    ("When do I take my tablets?", "Take ramipril 5 mg every morning and atorvastatin 20 mg at night."),
    ("What should I do if my ankles swell?", "If your ankles swell or you gain 2 kg in 3 days, call the heart clinic."),
    ("Should I keep my inhaler?", "Use your preventer inhaler twice daily even when you feel well."),
    ("When is my next appointment?", "A follow-up appointment is booked with your GP in four weeks."),
    ("Can I drive?", "Do not drive for one month after the procedure."),
    ("What about alcohol?", "Limit alcohol to 14 units a week and avoid it while taking metronidazole."),
]


@pytest.mark.slow
def test_fifty_answers_all_stop_on_their_own(pool, settings):
    reqs = [GenerationRequest("medical_qa", build_messages(settings.expert("medical_qa"), q)) for q in QUESTIONS]
    reqs += [GenerationRequest("summarization", build_messages(settings.expert("summarization"), r)) for r in REPORTS]
    reqs += [GenerationRequest("advice", build_messages(settings.expert("advice"), q, [Excerpt("plan.pdf", 1, t)]))
             for q, t in ADVICE]
    assert len(reqs) == 50
    out = pool.generate(reqs)
    reasons = Counter(g.stop_reason for g in out)
    runaway = [(r.expert, r.messages[-1]["content"][:60], g.text[-80:]) for r, g in zip(reqs, out)
               if g.finish_reason == "length"]
    assert not runaway, f"{len(runaway)} answers hit max_new_tokens ({dict(reasons)}): {runaway[:3]}"
    assert all(g.text for g in out)
    assert reasons["eos"] >= 25, reasons  # most answers end because the model said so, not a brake
