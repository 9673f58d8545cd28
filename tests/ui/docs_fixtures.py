"""Small documents a user would upload, built in their real formats."""
from __future__ import annotations

import io

CARE_PLAN_MD = """# Diabetes care plan

Patient: J. Doe. Date: 12 March 2025. Prepared by Dr A. Smith, Riverside Clinic.

## Blood sugar monitoring
Check your blood glucose twice a day: before breakfast and two hours after dinner.
Write every reading in your logbook and bring it to each visit. Target range: 4 to 7 mmol/L
before meals. If a reading is below 4 mmol/L, take 15 g of fast-acting sugar and check again
after 15 minutes.

## Medicines
Metformin 500 mg twice a day with meals. Do not stop it without talking to your doctor.

## Exercise
Walk for 30 minutes on at least five days a week.
"""

DISCHARGE_PARAGRAPHS = [
    ("Discharge letter", "heading"),
    ("Admitted on 2 February 2025 with community-acquired pneumonia; treated with oral antibiotics.", "p"),
    ("Follow-up", "heading"),
    ("You can return to office work after one week of rest. Avoid heavy lifting for two weeks. "
     "See your GP in 10 days for a chest examination.", "p"),
]


def discharge_docx() -> bytes:
    from docx import Document

    d = Document()
    for text, kind in DISCHARGE_PARAGRAPHS:
        if kind == "heading":
            d.add_heading(text, level=1)
        else:
            d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


EXAM_REPORT = """PHYSICAL EXAMINATION REPORT
Date: 4 April 2025. Patient: 54-year-old man, routine check-up.
Vital signs: BP 152/96 mmHg, HR 84 bpm, temperature 36.8 C, SpO2 98% on room air, BMI 31.
Heart: regular rhythm, no murmurs. Lungs: clear. Abdomen: soft, non-tender.
Labs: fasting glucose 6.8 mmol/L (high), LDL cholesterol 4.2 mmol/L (high).
Assessment: stage 2 hypertension, impaired fasting glucose, hyperlipidaemia, obesity.
Plan: start amlodipine 5 mg daily; repeat fasting glucose and HbA1c in 3 months; diet and exercise
advice given; review in 4 weeks with home blood pressure readings.
"""

NOT_A_PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4  # a PDF header, then garbage
