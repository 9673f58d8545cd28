"""Create the binary evaluation documents (PDF and DOCX) from the text content below.

    python data/eval_docs/make_binary_docs.py

Deterministic: running it twice gives byte-identical files.
- nair_annual_review_2024.pdf: multi-page PDF with a real text layer. Written by a tiny built-in PDF writer
  (standard Helvetica fonts, WinAnsi encoding), so no PDF library is needed.
- ellison_medication_plan_2024.docx: needs python-docx (in the project venv). Zip timestamps and core
  properties are pinned so the bytes do not change between runs.

`source_text(name)` returns the plain text each file is generated from (used by check.py).
Licence: Apache-2.0. All people, places and numbers are fictional.
"""
from __future__ import annotations

import datetime as _dt
import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# --------------------------------------------------------------------------------------------------
# Content. Blocks: (kind, text) with kind in h1 | h2 | p | li | kv | pagebreak | table
# --------------------------------------------------------------------------------------------------

NAIR_PDF = "nair_annual_review_2024.pdf"
NAIR_BLOCKS: list[tuple] = [
    ("h1", "Diabetes Annual Review - Priya Nair - 30 April 2024"),
    ("p", "Orchard Lane Practice, Diabetes Clinic. Reviewing clinician: Dr Samuel Adeyemi with practice "
          "diabetes nurse Joanna Fielding."),
    ("kv", "Patient: Priya Nair"),
    ("kv", "Date of birth: 22 July 1969"),
    ("kv", "Date of review: 30 April 2024"),
    ("kv", "Diagnosis: type 2 diabetes since 2019; hypertension since 2022"),
    ("h2", "1. Summary of the Year"),
    ("p", "Mrs Nair attended for her annual diabetes review with the blood results taken on 23 April 2024. "
          "Since last year's review her treatment was intensified: metformin was increased to 1 g twice daily "
          "and empagliflozin 10 mg once daily was added in June 2022. Atorvastatin 20 mg at night was started "
          "in May 2022 for cardiovascular prevention, and ramipril 5 mg once daily was started in September "
          "2022 for high blood pressure. She has lost 6 kg since 2022 by walking daily and reducing sugary "
          "drinks. She has had no episodes of low blood sugar. Over the last four months she has noticed "
          "tingling and numbness in both feet, worse at night."),
    ("h2", "2. Current Medicines"),
    ("li", "Metformin 1 g twice daily with breakfast and evening meal"),
    ("li", "Empagliflozin 10 mg once daily in the morning"),
    ("li", "Atorvastatin 20 mg once daily at night"),
    ("li", "Ramipril 5 mg once daily"),
    ("p", "No over-the-counter or herbal medicines. No known drug allergies."),
    ("h2", "3. Vital Signs and Measurements"),
    ("kv", "Blood pressure: 138/84 mmHg (seated, left arm; repeat 134/82 mmHg)"),
    ("kv", "Heart rate: 76 beats per minute, regular"),
    ("kv", "Weight: 71.8 kg; height 1.60 m; BMI 28.0 kg/m2"),
    ("kv", "Waist circumference: 91 cm"),
    ("p", "Home blood pressure average over 7 days (first day discarded): 131/80 mmHg, which is within her "
          "target of below 135/85 mmHg."),
    ("h2", "4. Key Blood and Urine Results (23 April 2024)"),
    ("li", "HbA1c 52 mmol/mol, within her individual target of 48-53 mmol/mol (was 68 mmol/mol in 2022)."),
    ("li", "Kidney function: eGFR 71 mL/min/1.73m2. Urine albumin:creatinine ratio 4.2 mg/mmol (raised)."),
    ("li", "Cholesterol: non-HDL cholesterol 2.6 mmol/L, a reduction of more than 40% on atorvastatin."),
    ("li", "Vitamin B12 158 ng/L (low), haemoglobin 118 g/L (mildly low), MCV 101 fL (raised)."),
    ("pagebreak", ""),
    ("h2", "5. Foot Examination"),
    ("p", "Skin intact on both feet, no ulcers, no calluses, no deformity. Dorsalis pedis and posterior tibial "
          "pulses are present on both sides. Sensation tested with a 10 g monofilament at 10 sites on each foot: "
          "felt at all 10 sites on the right foot but at only 6 of 10 sites on the left foot. Vibration sense "
          "reduced at both big toes. Ankle reflexes reduced."),
    ("p", "Foot risk classification: moderate risk (loss of protective sensation in the left foot). "
          "Possible causes include diabetic peripheral neuropathy and vitamin B12 deficiency."),
    ("h2", "6. Eye Screening"),
    ("p", "Retinal photography on 9 April 2024 showed background diabetic retinopathy (R1) in both eyes, with a "
          "few microaneurysms and no maculopathy (M0). This does not affect vision and does not need treatment. "
          "Annual screening continues. The result in 2022 had shown no retinopathy."),
    ("h2", "7. Lifestyle"),
    ("p", "Never smoked. Alcohol: rarely, less than 2 units per week. Walks for 40 minutes on most days. "
          "Follows a vegetarian diet; has reduced rice and chapati portions after the structured education "
          "course. Sleeps well. PHQ-2 depression screen negative."),
    ("h2", "8. Assessment"),
    ("li", "Type 2 diabetes: glucose control much improved and now on target."),
    ("li", "New moderately increased albuminuria, to be confirmed. If confirmed: chronic kidney disease stage G2A2 "
           "in diabetes, which increases cardiovascular and kidney risk."),
    ("li", "Vitamin B12 deficiency, probably related to long-term metformin, with mild macrocytic anaemia."),
    ("li", "Peripheral neuropathy, left worse than right; moderate foot risk."),
    ("li", "Background diabetic retinopathy, not sight-threatening."),
    ("li", "Blood pressure on target on home readings."),
    ("pagebreak", ""),
    ("h2", "9. Plan"),
    ("li", "Vitamin B12: because of the foot symptoms, hydroxocobalamin 1 mg injections on alternate days until "
           "there is no further improvement, then one injection every 2 months. Check intrinsic factor "
           "antibodies. Recheck full blood count in 8 weeks."),
    ("li", "Continue metformin at the same dose; B12 will be monitored every year."),
    ("li", "Kidneys: repeat urine albumin:creatinine ratio on an early-morning sample in 3 months. If still "
           "raised, increase ramipril to 10 mg once daily, with kidney function and potassium checked 1 to 2 "
           "weeks after the increase."),
    ("li", "Feet: referral to the community podiatry foot protection service. Check both feet every day, "
           "never walk barefoot, and test bath water with the elbow because she may not feel heat with her "
           "feet. Seek help the same day for any break in the skin, redness, swelling or a change in colour."),
    ("li", "Eyes: continue annual diabetic eye screening."),
    ("li", "Sick day rules: if unwell with vomiting, diarrhoea or fever and unable to eat and drink normally, "
           "stop empagliflozin, metformin and ramipril temporarily and restart 24 to 48 hours after eating "
           "and drinking normally. Empagliflozin can rarely cause ketoacidosis even when blood sugar is "
           "normal; seek urgent help for abdominal pain, vomiting or fast breathing."),
    ("li", "Cholesterol: continue atorvastatin 20 mg."),
    ("li", "Vaccines: annual flu vaccine given today. Pneumococcal vaccine was given in 2023."),
    ("li", "Next diabetes review in 6 months (October 2024), with HbA1c, kidney function and urine ACR."),
    ("h2", "10. Patient Goals Agreed"),
    ("p", "Keep walking 40 minutes daily and add two sessions of strength exercise each week. Keep HbA1c within "
          "48-53 mmol/mol. Attend the podiatry appointment and the B12 injection appointments."),
    ("p", "Reviewed and signed: Dr Samuel Adeyemi, GP, 30 April 2024."),
]

ELLISON_DOCX = "ellison_medication_plan_2024.docx"
ELLISON_TITLE = "My Medication Plan - Margaret Ellison - updated 20 May 2024"
ELLISON_BLOCKS: list[tuple] = [
    ("h1", ELLISON_TITLE),
    ("p", "Prepared by: Sunita Patel, Heart Failure Specialist Nurse, Riverside General Hospital, after the "
          "heart failure clinic review on 20 May 2024. This plan replaces the medicine list in the discharge "
          "letter of 14 November 2023."),
    ("kv", "Patient: Margaret Ellison"),
    ("kv", "Date of birth: 14 February 1956"),
    ("kv", "Hospital number: RGH-4011827"),
    ("kv", "Allergies: penicillin (rash)"),
    ("h2", "Changes Made on 20 May 2024"),
    ("li", "Furosemide reduced from 40 mg to 20 mg each morning, because there are no signs of fluid build-up "
           "and her weight has been steady at 72 kg."),
    ("li", "Bisoprolol increased from 5 mg to 7.5 mg once daily."),
    ("li", "Sacubitril/valsartan increased to the target dose of 97/103 mg twice daily."),
    ("li", "All other medicines are unchanged."),
    ("h2", "My Medicines"),
    ("table", [
        ["Medicine", "Dose and when to take it", "What it is for"],
        ["Furosemide 20 mg tablet", "20 mg once daily in the morning",
         "Water tablet: removes extra fluid and helps breathing and ankle swelling"],
        ["Bisoprolol 2.5 mg and 5 mg tablets", "7.5 mg once daily in the morning",
         "Slows and protects the heart"],
        ["Sacubitril/valsartan 97/103 mg tablet", "97/103 mg twice daily (morning and evening)",
         "Relaxes blood vessels and reduces strain on the heart"],
        ["Spironolactone 25 mg tablet", "25 mg once daily with breakfast",
         "Protects the heart muscle; can raise potassium"],
        ["Dapagliflozin 10 mg tablet", "10 mg once daily in the morning",
         "Helps the heart and kidneys; you will pass more urine"],
        ["Atorvastatin 40 mg tablet", "40 mg once daily at night",
         "Lowers cholesterol to protect against heart attack and stroke"],
        ["Paracetamol 500 mg tablet", "1 to 2 tablets up to four times a day if needed, maximum 8 tablets in 24 hours",
         "Pain relief. Avoid ibuprofen and other anti-inflammatory painkillers"],
    ]),
    ("h2", "Blood Tests"),
    ("p", "Kidney function and potassium blood test in 2 weeks, on or around 3 June 2024, because the "
          "sacubitril/valsartan dose was increased. The GP surgery will book this."),
    ("h2", "Daily Weights"),
    ("p", "Keep weighing yourself every morning. Your target (dry) weight is 72 kg. If your weight goes up by "
          "more than 2 kg in 3 days, take an extra 20 mg furosemide for 2 days and ring the heart failure nurse. "
          "You no longer need to limit fluids to 1.5 litres; drink normally, about 1.5 to 2 litres per day."),
    ("h2", "Sick Day Rules"),
    ("p", "If you have vomiting, diarrhoea or a fever with shaking and cannot eat or drink normally, stop "
          "furosemide, dapagliflozin, sacubitril/valsartan and spironolactone temporarily. Keep taking "
          "bisoprolol and atorvastatin. Restart the paused medicines 24 to 48 hours after you are eating and "
          "drinking normally. If you are unwell for more than 48 hours, contact your GP."),
    ("h2", "Things to Avoid"),
    ("li", "Anti-inflammatory painkillers such as ibuprofen, naproxen and diclofenac, which can cause fluid "
           "retention and kidney problems."),
    ("li", "Salt substitutes containing potassium, such as LoSalt, because spironolactone and "
           "sacubitril/valsartan raise potassium."),
    ("li", "Large amounts of grapefruit juice, which can increase the level of atorvastatin."),
    ("h2", "Contacts"),
    ("p", "Heart Failure Nurse Service: 01632 960 482, Monday to Friday 8:30 am to 4:30 pm. Next heart failure "
          "clinic: November 2024. In an emergency call 999."),
]

DOCUMENTS = {NAIR_PDF: NAIR_BLOCKS, ELLISON_DOCX: ELLISON_BLOCKS}


def source_text(name: str) -> str:
    """Plain text of a generated document (what the file's text layer holds, modulo line wrapping)."""
    out = []
    for kind, payload in DOCUMENTS[name]:
        if kind == "pagebreak":
            continue
        if kind == "table":
            out.extend(" | ".join(row) for row in payload)
        elif kind == "li":
            out.append("- " + payload)
        else:
            out.append(payload)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------------
# Minimal PDF writer (text only, Helvetica / Helvetica-Bold, A4)
# --------------------------------------------------------------------------------------------------

PAGE_W, PAGE_H = 595, 842
MARGIN = 56
STYLE = {  # kind -> (font, size, space before, leading factor)
    "h1": ("F2", 15, 0, 1.3),
    "h2": ("F2", 12, 10, 1.3),
    "p": ("F1", 10, 4, 1.35),
    "kv": ("F1", 10, 1, 1.35),
    "li": ("F1", 10, 2, 1.35),
}


def _char_w(c: str) -> float:
    """Approximate Helvetica advance width in em (good enough for line wrapping)."""
    if c == " ":
        return 0.278
    if c in "iljtf.,;:'!|()[]":
        return 0.28
    if c in "mwMW":
        return 0.85
    if c.isupper():
        return 0.70
    if c.isdigit():
        return 0.556
    return 0.53


def _wrap(text: str, size: float, width: float, bold: bool) -> list[str]:
    factor = 1.08 if bold else 1.0
    lines, cur = [], ""
    for word in text.split():
        trial = f"{cur} {word}" if cur else word
        if sum(_char_w(c) for c in trial) * size * factor <= width:
            cur = trial
        else:
            if cur:
                lines.append(cur)
            cur = word
    if cur:
        lines.append(cur)
    return lines


def _pdf_str(s: str) -> bytes:
    raw = s.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _layout(blocks) -> list[list[tuple[str, float, float, float, str]]]:
    """Return pages; each page is a list of (font, size, x, y, text)."""
    pages, cur = [], []
    y = PAGE_H - MARGIN
    width = PAGE_W - 2 * MARGIN
    for kind, text in blocks:
        if kind == "pagebreak":
            pages.append(cur)
            cur, y = [], PAGE_H - MARGIN
            continue
        font, size, before, lead = STYLE[kind]
        indent = 14 if kind == "li" else 0
        lines = _wrap(text, size, width - indent, font == "F2")
        y -= before
        for i, line in enumerate(lines):
            y -= size * lead
            if y < MARGIN:
                pages.append(cur)
                cur, y = [], PAGE_H - MARGIN - size * lead
            if kind == "li" and i == 0:
                cur.append((font, size, MARGIN + 4, y, "-"))
            cur.append((font, size, MARGIN + indent, y, line))
    if cur:
        pages.append(cur)
    return pages


def build_pdf(blocks, title: str) -> bytes:
    pages = _layout(blocks)
    n = len(pages)
    objs: list[bytes] = []
    # 1 catalog, 2 pages, 3 F1, 4 F2, 5 info, then (page, content) pairs
    kids = " ".join(f"{6 + 2 * i} 0 R" for i in range(n))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode())
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    objs.append(b"<< /Title " + _pdf_str(title) + b" /Producer (medrouter make_binary_docs.py) >>")
    for pno, items in enumerate(pages, 1):
        ops = []
        for font, size, x, y, text in items:
            ops.append(b"BT /" + font.encode() + f" {size} Tf {x:.2f} {y:.2f} Td ".encode() + _pdf_str(text) + b" Tj ET")
        footer = f"Priya Nair - Diabetes Annual Review 30 April 2024 - page {pno} of {n}"
        ops.append(b"BT /F1 8 Tf " + f"{MARGIN} 30 Td ".encode() + _pdf_str(footer) + b" Tj ET")
        stream = b"\n".join(ops)
        content_id = 6 + 2 * (pno - 1) + 1
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
                    f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {content_id} 0 R >>".encode())
        objs.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# --------------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------------

def build_docx(blocks, title: str) -> bytes:
    import docx  # python-docx

    d = docx.Document()
    fixed = _dt.datetime(2024, 5, 20, 12, 0, 0)
    cp = d.core_properties
    cp.title, cp.author, cp.last_modified_by = title, "Riverside General Hospital", "medrouter"
    cp.created, cp.modified, cp.revision = fixed, fixed, 1
    for kind, payload in blocks:
        if kind == "h1":
            d.add_heading(payload, level=1)
        elif kind == "h2":
            d.add_heading(payload, level=2)
        elif kind == "li":
            d.add_paragraph(payload, style="List Bullet")
        elif kind == "table":
            t = d.add_table(rows=len(payload), cols=len(payload[0]))
            t.style = "Table Grid"
            for r, row in enumerate(payload):
                for c, cell in enumerate(row):
                    t.cell(r, c).text = cell
        elif kind in ("p", "kv"):
            d.add_paragraph(payload)
    buf = io.BytesIO()
    d.save(buf)
    # Re-pack with fixed zip timestamps so the output is byte-identical between runs.
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, date_time=(2024, 5, 20, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, src.read(name))
    return out.getvalue()


def main() -> None:
    pdf = build_pdf(NAIR_BLOCKS, "Diabetes Annual Review - Priya Nair - 30 April 2024")
    (HERE / NAIR_PDF).write_bytes(pdf)
    docx_bytes = build_docx(ELLISON_BLOCKS, ELLISON_TITLE)
    (HERE / ELLISON_DOCX).write_bytes(docx_bytes)
    for name in (NAIR_PDF, ELLISON_DOCX):
        p = HERE / name
        print(f"wrote {p.name}: {p.stat().st_size} bytes, {len(source_text(name).split())} words")


if __name__ == "__main__":
    main()
