"""Hand-written pieces for composing medical reports and their summaries (written for medrouter, Apache-2.0).

A report is composed from pieces; every piece carries both the text that goes into the report and the phrase
that goes into the summary, so the summary is correct by construction. Three report kinds: physical
examination, hospital discharge letter, laboratory panel. All people and results are fictional.

Summary shape (exactly three lines):
    Vital signs: ...
    Abnormal findings: ...
    Recommendations: ...
"""
from __future__ import annotations

import random

FIRST_F = ["Amelia", "Grace", "Fatima", "Sofia", "Hannah", "Chloe", "Aisha", "Mei", "Olivia", "Zainab", "Ruth",
           "Ingrid", "Lucia", "Niamh", "Priyanka", "Agnes", "Beatriz", "Yasmin", "Eleanor", "Joanna"]
FIRST_M = ["James", "Omar", "Lukas", "Rahul", "Thomas", "Kwame", "Mateo", "George", "Hiroshi", "Patrick",
           "Ahmed", "Daniel", "Stefan", "Emeka", "William", "Arjun", "Callum", "Diego", "Frank", "Ivan"]
LAST = ["Harrison", "Okoye", "Novak", "Sharma", "Walsh", "Mendes", "Kowalski", "Brennan", "Haddad", "Lindgren",
        "Adebayo", "Fischer", "Moreno", "Campbell", "Tanaka", "Osei", "Petrov", "Doyle", "Chaudhry", "Bianchi",
        "Murray", "Eriksen", "Nwosu", "Rossi", "Hughes"]
CLINICIANS = ["Dr A. Kapoor", "Dr M. Fernandes", "Dr L. Oduya", "Dr S. Whitmore", "Dr H. Bauer", "Dr R. Qureshi",
              "Dr E. Lindholm", "Dr C. Nakamura", "Dr P. O'Neill", "Dr J. Mbeki"]
HOSPITALS = ["St Anne's Hospital", "Lakeside General Hospital", "Northfield Infirmary", "Harbour View Hospital",
             "Meadowbank University Hospital"]
PRACTICES = ["Riverside Health Centre", "Hillcrest Medical Practice", "Oakwood Surgery", "Market Street Clinic",
             "Greenway Family Practice"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def person(rng: random.Random) -> dict:
    sex = rng.choice(["female", "male"])
    first = rng.choice(FIRST_F if sex == "female" else FIRST_M)
    return {"name": f"{first} {rng.choice(LAST)}", "sex": sex, "age": rng.randint(24, 86)}


def date(rng: random.Random) -> str:
    return f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.choice([2022, 2023, 2024])}"


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def join_list(items: list[str]) -> str:
    return "; ".join(i for i in items if i)


# --------------------------------------------------------------------------------------------------
# Vital signs
# --------------------------------------------------------------------------------------------------

def vitals(rng: random.Random, *, high_bp: bool = False, fever: bool = False, tachy: bool = False,
           low_sat: bool = False, fast_rr: bool = False) -> dict:
    v = {
        "sys": rng.randint(142, 172) if high_bp else rng.randint(106, 134),
        "dia": rng.randint(90, 104) if high_bp else rng.randint(62, 84),
        "hr": rng.randint(104, 122) if tachy else rng.randint(56, 94),
        "temp": round(rng.uniform(38.1, 39.4), 1) if fever else round(rng.uniform(36.1, 37.3), 1),
        "rr": rng.randint(22, 28) if fast_rr else rng.randint(12, 18),
        "spo2": rng.randint(88, 93) if low_sat else rng.randint(95, 99),
    }
    return v


def vitals_summary(v: dict) -> str:
    return (f"BP {v['sys']}/{v['dia']} mmHg, heart rate {v['hr']} bpm, temperature {v['temp']} °C, "
            f"respiratory rate {v['rr']}/min, SpO2 {v['spo2']}% on room air.")


def vitals_report(rng: random.Random, v: dict) -> str:
    style = rng.randrange(3)
    if style == 0:
        return (f"Blood pressure: {v['sys']}/{v['dia']} mmHg\nHeart rate: {v['hr']} beats per minute\n"
                f"Temperature: {v['temp']} °C\nRespiratory rate: {v['rr']} breaths per minute\n"
                f"Oxygen saturation: {v['spo2']}% on room air")
    if style == 1:
        return (f"BP {v['sys']}/{v['dia']} mmHg, HR {v['hr']} bpm, temp {v['temp']} °C, RR {v['rr']}/min, "
                f"SpO2 {v['spo2']}% (room air).")
    return (f"- BP: {v['sys']}/{v['dia']} mmHg\n- Pulse: {v['hr']}/min\n- Temperature: {v['temp']} °C\n"
            f"- Respiratory rate: {v['rr']}/min\n- SpO2: {v['spo2']}% on air")


def abnormal_vitals(v: dict) -> list[str]:
    out = []
    if v["sys"] >= 140 or v["dia"] >= 90:
        out.append(f"raised blood pressure ({v['sys']}/{v['dia']} mmHg)")
    if v["hr"] > 100:
        out.append(f"fast heart rate ({v['hr']} bpm)")
    if v["temp"] >= 38.0:
        out.append(f"fever ({v['temp']} °C)")
    if v["rr"] > 20:
        out.append(f"raised respiratory rate ({v['rr']}/min)")
    if v["spo2"] < 94:
        out.append(f"low oxygen saturation ({v['spo2']}%)")
    return out


# --------------------------------------------------------------------------------------------------
# Physical examination
# --------------------------------------------------------------------------------------------------

EXAM_NORMAL = {
    "General": "Well, alert and oriented; in no distress.",
    "Head and neck": "No lymphadenopathy; thyroid not enlarged; no carotid bruits.",
    "Cardiovascular": "Heart sounds I and II normal with no added sounds or murmurs; peripheral pulses present; "
                      "no ankle oedema.",
    "Respiratory": "Chest clear on auscultation with good air entry bilaterally.",
    "Abdomen": "Soft and non-tender; no organomegaly or masses.",
    "Neurological": "Cranial nerves intact; normal power, tone, reflexes and sensation in all limbs.",
    "Skin": "No rashes or suspicious lesions.",
    "Musculoskeletal": "Full range of movement in all major joints; no swelling.",
    "Eyes and ENT": "Visual acuity 6/6 in both eyes; ears and throat normal.",
}

# system -> list of abnormal variants: (report text, summary finding, plan text, summary recommendation, params)
EXAM_ABNORMAL = {
    "Cardiovascular": [
        ("Soft grade 2/6 ejection systolic murmur heard loudest at the {area}; no ankle oedema.",
         "grade 2/6 systolic murmur at the {area}",
         "Transthoracic echocardiogram requested to assess the murmur.",
         "echocardiogram to assess the murmur",
         {"area": ["upper right sternal border", "left sternal edge", "apex"]}),
        ("Pulse irregularly irregular; heart sounds otherwise normal; no murmurs.",
         "irregularly irregular pulse (possible atrial fibrillation)",
         "12-lead ECG arranged today to look for atrial fibrillation.",
         "12-lead ECG to look for atrial fibrillation", {}),
        ("Heart sounds normal. Pitting oedema of both ankles extending to the {level}.",
         "bilateral pitting ankle oedema to the {level}",
         "Blood tests including kidney and liver function, albumin and NT-proBNP to investigate the ankle "
         "swelling.",
         "blood tests including NT-proBNP to investigate the ankle swelling",
         {"level": ["mid-shin", "lower shin", "knees"]}),
    ],
    "Respiratory": [
        ("Scattered expiratory wheeze in both lung fields; no crackles.",
         "bilateral expiratory wheeze",
         "Spirometry with reversibility testing to assess for asthma or COPD.",
         "spirometry with reversibility testing", {}),
        ("Fine crackles at the {side} lung base; otherwise good air entry.",
         "fine crackles at the {side} lung base",
         "Chest X-ray requested to investigate the crackles at the {side} base.",
         "chest X-ray for the {side} basal crackles", {"side": ["right", "left"]}),
    ],
    "Abdomen": [
        ("Soft, non-tender; liver edge palpable {cm} cm below the right costal margin.",
         "liver edge palpable {cm} cm below the costal margin",
         "Liver function tests and an abdominal ultrasound requested.",
         "liver function tests and abdominal ultrasound", {"cm": ["2", "3"]}),
        ("Mild epigastric tenderness; no guarding; no masses.",
         "mild epigastric tenderness",
         "Helicobacter pylori stool test and a 4-week trial of omeprazole 20 mg once daily.",
         "H. pylori stool test and a 4-week trial of omeprazole 20 mg daily", {}),
    ],
    "Neurological": [
        ("10 g monofilament not felt at {n} of 10 sites on the {side} foot; reflexes otherwise normal.",
         "monofilament not felt at {n} of 10 sites on the {side} foot",
         "Podiatry referral; check HbA1c and vitamin B12.",
         "podiatry referral with HbA1c and vitamin B12 checks",
         {"n": ["3", "4", "5"], "side": ["left", "right"]}),
        ("Fine postural tremor of both outstretched hands; otherwise normal.",
         "fine postural tremor of both hands",
         "Thyroid function tests; advised to reduce caffeine intake.",
         "thyroid function tests and caffeine reduction", {}),
    ],
    "Skin": [
        ("Irregularly pigmented {mm} mm lesion with uneven borders on the {site}.",
         "irregularly pigmented {mm} mm lesion on the {site}",
         "Urgent (2-week) dermatology referral for the pigmented lesion.",
         "urgent dermatology referral for the pigmented lesion",
         {"mm": ["6", "7", "9"], "site": ["left upper back", "right calf", "left shoulder", "right forearm"]}),
    ],
    "Musculoskeletal": [
        ("Crepitus and reduced flexion (to {deg} degrees) of the {side} knee; no effusion.",
         "crepitus and reduced flexion ({deg} degrees) of the {side} knee",
         "Physiotherapy referral and strengthening exercises for the {side} knee.",
         "physiotherapy for the {side} knee", {"deg": ["100", "110", "115"], "side": ["left", "right"]}),
        ("Tenderness over the lower lumbar spine with reduced forward flexion; straight leg raise normal.",
         "lower lumbar tenderness with reduced forward flexion",
         "Advised to stay active, simple analgesia and physiotherapy self-referral for the back pain.",
         "stay active, simple analgesia and physiotherapy for the back pain", {}),
    ],
    "Eyes and ENT": [
        ("Visual acuity 6/6 right eye and 6/{va} left eye; ears and throat normal.",
         "reduced visual acuity in the left eye (6/{va})",
         "Optometrist review for the reduced left-eye visual acuity.",
         "optometrist review for the left eye", {"va": ["12", "18", "24"]}),
        ("Both ear canals occluded by wax; throat normal.",
         "wax occluding both ear canals",
         "Olive oil ear drops twice daily for 2 weeks, then re-examine the ears.",
         "olive oil ear drops for 2 weeks, then re-examine the ears", {}),
    ],
    "Head and neck": [
        ("Diffuse, non-tender enlargement of the thyroid gland; no lymphadenopathy.",
         "diffuse thyroid enlargement (goitre)",
         "Thyroid function tests and thyroid ultrasound.",
         "thyroid function tests and thyroid ultrasound", {}),
        ("Single mobile, non-tender {cm} cm lymph node in the right anterior cervical chain.",
         "{cm} cm right cervical lymph node",
         "Full blood count now and review in 3 weeks; ultrasound of the neck if the node persists.",
         "full blood count and review of the lymph node in 3 weeks", {"cm": ["1.2", "1.5", "1.8"]}),
        ("Left carotid bruit; no lymphadenopathy.",
         "left carotid bruit",
         "Carotid Doppler ultrasound requested.",
         "carotid Doppler ultrasound", {}),
    ],
}

EXAM_TITLES = ["Annual Physical Examination", "Routine Health Check", "Pre-employment Medical Examination",
               "Occupational Health Examination", "General Medical Examination"]
EXAM_REASONS = [
    "Routine annual health check requested by the patient. No current complaints.",
    "Pre-employment medical assessment for a new office-based role.",
    "Occupational health review for a driving role. Reports feeling generally well.",
    "Attends for a general check-up after a change of GP practice.",
    "Routine review requested by the patient's employer insurance scheme.",
]
EXAM_HISTORY = [
    "No significant past medical history.",
    "Past history of appendicectomy in childhood.",
    "Known hypothyroidism on levothyroxine 75 micrograms daily.",
    "Hay fever, treated with cetirizine in summer.",
    "Previous fracture of the left wrist in 2015.",
    "Mild asthma, uses a salbutamol inhaler occasionally.",
    "Type 2 diabetes diagnosed four years ago, on metformin 500 mg twice daily.",
]
SOCIAL = [
    "Non-smoker; drinks about {u} units of alcohol per week.",
    "Ex-smoker (stopped {y} years ago); drinks about {u} units of alcohol per week.",
    "Current smoker of {c} cigarettes per day; drinks about {u} units of alcohol per week.",
]


def _fill(rng: random.Random, piece: tuple) -> tuple[str, str, str, str]:
    rep, summ, plan, rec, params = piece
    vals = {k: rng.choice(v) for k, v in params.items()}
    return rep.format(**vals), summ.format(**vals), plan.format(**vals), rec.format(**vals)


def physical_exam(rng: random.Random) -> tuple[str, str, str]:
    p = person(rng)
    high_bp = rng.random() < 0.35
    v = vitals(rng, high_bp=high_bp)
    n_abn = rng.choice([0, 1, 1, 2, 2, 3])
    systems = rng.sample(sorted(EXAM_ABNORMAL), n_abn)
    abn = {s: _fill(rng, rng.choice(EXAM_ABNORMAL[s])) for s in systems}
    height = round(rng.uniform(1.55, 1.92), 2)
    bmi = round(rng.uniform(20.5, 36.5), 1)
    weight = round(bmi * height * height, 1)
    social = rng.choice(SOCIAL).format(u=rng.randint(0, 16), y=rng.randint(2, 20), c=rng.randint(5, 20))
    history = rng.choice(EXAM_HISTORY)
    findings, plans, recs = [], [], []
    if high_bp:
        findings.append(f"raised blood pressure ({v['sys']}/{v['dia']} mmHg)")
        plans.append("Home blood pressure monitoring for 7 days, then review of the readings.")
        recs.append("home blood pressure monitoring for 7 days, then review")
    for s in systems:
        findings.append(abn[s][1])
        plans.append(abn[s][2])
        recs.append(abn[s][3])
    if bmi >= 30:
        findings.append(f"BMI {bmi} kg/m² (obesity)")
        plans.append("Weight management advice given and referral to a weight management programme offered.")
        recs.append("weight management advice and programme referral")
    elif bmi >= 25:
        findings.append(f"BMI {bmi} kg/m² (overweight)")
        plans.append("Advice given on diet and physical activity.")
        recs.append("diet and physical activity advice")
    if "Current smoker" in social:
        plans.append("Stop-smoking support offered.")
        recs.append("stop-smoking support")
    follow = rng.choice(["Routine review in 12 months.", "Review in 4 weeks with results.",
                         "Follow-up appointment in 6 weeks."])
    plans.append(follow)
    recs.append(follow[0].lower() + follow[1:-1])

    title = rng.choice(EXAM_TITLES)
    upper = rng.random() < 0.4
    h = (lambda s: s.upper()) if upper else (lambda s: s)
    lines = [f"{title.upper() if upper else title}",
             f"Patient: {p['name']}, {p['age']}-year-old {p['sex']}",
             f"Date of examination: {date(rng)}",
             f"Clinic: {rng.choice(PRACTICES)}    Examining clinician: {rng.choice(CLINICIANS)}",
             "",
             h("Reason for examination"),
             rng.choice(EXAM_REASONS),
             "",
             h("History"),
             f"{history} {social} No known drug allergies.",
             "",
             h("Vital signs"),
             vitals_report(rng, v),
             f"Height {height} m, weight {weight} kg, BMI {bmi} kg/m².",
             "",
             h("Examination")]
    for s in EXAM_NORMAL:
        lines.append(f"{s}: {abn[s][0] if s in abn else EXAM_NORMAL[s]}")
    lines += ["", h("Assessment")]
    if findings:
        lines += [f"{i}. {cap(f)}." for i, f in enumerate(findings, 1)]
    else:
        lines.append("Healthy adult with no significant abnormality found on examination.")
    lines += ["", h("Plan")]
    lines += [f"{i}. {pl}" for i, pl in enumerate(plans, 1)]
    lines += ["", f"Signed: {rng.choice(CLINICIANS)}"]
    report = "\n".join(lines)

    summary = "\n".join([
        f"Vital signs: {vitals_summary(v)}",
        f"Abnormal findings: {cap(join_list(findings))}." if findings else
        "Abnormal findings: None; the examination was normal.",
        f"Recommendations: {cap(join_list(recs))}.",
    ])
    return report, summary, "physical examination report"


# --------------------------------------------------------------------------------------------------
# Discharge letters
# --------------------------------------------------------------------------------------------------

def _r(lo, hi, nd=0):
    def f(rng):
        x = rng.uniform(lo, hi)
        return str(int(round(x))) if nd == 0 else f"{x:.{nd}f}"
    return f


# Each scenario: diagnosis, presenting text, course text, results [(report, summary)], meds [str],
# follow-up [(report, summary)], params {name: generator}, vitals flags on discharge.
DISCHARGE = [
    dict(
        diagnosis="Community-acquired pneumonia (right lower lobe)",
        presentation="{age}-year-old presented with 4 days of productive cough, fever and breathlessness.",
        course="Treated with intravenous co-amoxiclav for 48 hours, then switched to oral antibiotics once the "
               "fever settled. Oxygen was weaned off on day 3 and mobility returned to baseline.",
        results=[("Chest X-ray: right lower lobe consolidation.", "right lower lobe consolidation on chest X-ray"),
                 ("CRP {crp} mg/L on admission.", "CRP {crp} mg/L"),
                 ("White cell count {wcc} x10^9/L on admission.", "white cell count {wcc} x10^9/L")],
        meds=["Co-amoxiclav 625 mg three times daily to complete 5 days in total (last dose {stop}).",
              "Paracetamol 1 g up to four times daily as needed."],
        followup=[("Repeat chest X-ray in 6 weeks to confirm resolution.", "repeat chest X-ray in 6 weeks"),
                  ("Return to the GP or emergency department if breathlessness or fever returns.",
                   "seek review if breathlessness or fever returns")],
        params={"crp": _r(110, 280), "wcc": _r(13.2, 19.8, 1),
                "stop": lambda rng: rng.choice(["tomorrow evening", "in 2 days", "on Friday"])},
    ),
    dict(
        diagnosis="Acute decompensated heart failure",
        presentation="{age}-year-old with known heart failure presented with increasing breathlessness, "
                     "orthopnoea and leg swelling over 10 days.",
        course="Treated with intravenous furosemide with good diuresis and a weight loss of {wl} kg. Breathing "
               "returned to baseline. Kidney function remained stable.",
        results=[("NT-proBNP {bnp} pg/mL.", "NT-proBNP {bnp} pg/mL"),
                 ("Echocardiogram: left ventricular ejection fraction {ef}%.", "LVEF {ef}% on echocardiogram"),
                 ("Chest X-ray: pulmonary oedema with small bilateral pleural effusions.",
                  "pulmonary oedema on chest X-ray")],
        meds=["Furosemide increased to 80 mg once daily in the morning.", "Bisoprolol 2.5 mg once daily.",
              "Ramipril 2.5 mg once daily.", "Dapagliflozin 10 mg once daily (new)."],
        followup=[("GP to check kidney function and potassium in 1 week.", "kidney function and potassium in 1 week"),
                  ("Weigh daily and contact the heart failure nurse if weight rises by more than 2 kg in 3 days.",
                   "daily weights, contacting the heart failure nurse if weight rises by more than 2 kg in 3 days"),
                  ("Heart failure nurse review within 2 weeks.", "heart failure nurse review within 2 weeks")],
        params={"wl": _r(3.5, 8.5, 1), "bnp": _r(2800, 9800), "ef": _r(25, 38)},
    ),
    dict(
        diagnosis="Infective exacerbation of COPD",
        presentation="{age}-year-old with COPD presented with 3 days of worsening breathlessness and green sputum.",
        course="Treated with nebulised bronchodilators, oral prednisolone and doxycycline, with controlled oxygen "
               "targeting saturations of 88 to 92%. Improved steadily and was back to baseline exercise tolerance "
               "by day 4.",
        results=[("Oxygen saturation {sat}% on room air on arrival.", "oxygen saturation {sat}% on arrival"),
                 ("CRP {crp} mg/L.", "CRP {crp} mg/L"),
                 ("Sputum culture: Haemophilus influenzae.", "Haemophilus influenzae in sputum")],
        meds=["Prednisolone 30 mg once daily to complete 5 days.", "Doxycycline 100 mg once daily to complete 5 days.",
              "Continue usual inhalers."],
        followup=[("Referral to pulmonary rehabilitation.", "pulmonary rehabilitation referral"),
                  ("Practice nurse to review inhaler technique within 2 weeks.",
                   "inhaler technique review within 2 weeks"),
                  ("Stop-smoking support offered.", "stop-smoking support")],
        params={"sat": _r(84, 89), "crp": _r(25, 95)},
    ),
    dict(
        diagnosis="New-onset atrial fibrillation with fast ventricular rate",
        presentation="{age}-year-old presented with palpitations and light-headedness for 2 days.",
        course="Heart rate controlled with bisoprolol. Anticoagulation started after discussion of stroke and "
               "bleeding risk. Remained in atrial fibrillation at discharge with a resting rate under 100.",
        results=[("ECG: atrial fibrillation, ventricular rate {hr_adm} per minute on arrival.",
                  "atrial fibrillation at {hr_adm} per minute on arrival"),
                 ("CHA2DS2-VASc score {chads}.", "CHA2DS2-VASc score {chads}"),
                 ("Thyroid function normal.", "")],
        meds=["Bisoprolol 5 mg once daily (new).", "Apixaban 5 mg twice daily (new)."],
        followup=[("Outpatient echocardiogram.", "outpatient echocardiogram"),
                  ("GP review of heart rate and symptoms in 2 weeks.", "GP review of heart rate in 2 weeks"),
                  ("Cardiology clinic in 3 months to discuss rhythm control.", "cardiology clinic in 3 months")],
        params={"hr_adm": _r(128, 168), "chads": lambda rng: str(rng.choice([2, 3, 4]))},
    ),
    dict(
        diagnosis="Non-ST-elevation myocardial infarction (NSTEMI)",
        presentation="{age}-year-old presented with 40 minutes of central chest tightness radiating to the left arm.",
        course="Coronary angiography showed a severe stenosis of the {artery}, treated with a drug-eluting stent. "
               "No further chest pain. Mobilising independently.",
        results=[("High-sensitivity troponin {trop} ng/L, rising on repeat.", "troponin {trop} ng/L"),
                 ("Angiogram: severe stenosis of the {artery}, stented.", "severe stenosis of the {artery}, stented"),
                 ("LDL cholesterol {ldl} mmol/L.", "LDL cholesterol {ldl} mmol/L")],
        meds=["Aspirin 75 mg once daily (lifelong).", "Ticagrelor 90 mg twice daily for 12 months.",
              "Atorvastatin 80 mg at night.", "Bisoprolol 2.5 mg once daily.", "Ramipril 2.5 mg once daily."],
        followup=[("Cardiac rehabilitation referral.", "cardiac rehabilitation"),
                  ("Do not drive for 1 week.", "no driving for 1 week"),
                  ("GP to check kidney function 1 to 2 weeks after starting ramipril, and lipids in 3 months.",
                   "kidney function in 1 to 2 weeks and lipids in 3 months")],
        params={"trop": _r(180, 2600), "ldl": _r(3.2, 4.9, 1),
                "artery": lambda rng: rng.choice(["left anterior descending artery", "right coronary artery",
                                                  "circumflex artery"])},
    ),
    dict(
        diagnosis="Cellulitis of the {side} lower leg",
        presentation="{age}-year-old presented with 3 days of a spreading red, hot, painful {side} shin.",
        course="Treated with intravenous flucloxacillin for 48 hours; redness retreated within the marked border "
               "and the fever settled. Athlete's foot between the toes was noted as the likely entry point.",
        results=[("CRP {crp} mg/L.", "CRP {crp} mg/L"),
                 ("White cell count {wcc} x10^9/L.", "white cell count {wcc} x10^9/L")],
        meds=["Flucloxacillin 1 g four times daily to complete 7 days.", "Terbinafine cream twice daily between "
              "the toes for 2 weeks."],
        followup=[("Keep the leg raised when sitting.", "keep the leg raised"),
                  ("Return if redness spreads beyond the marked line or fever returns.",
                   "return if redness spreads or fever returns")],
        params={"crp": _r(60, 190), "wcc": _r(11.5, 16.9, 1), "side": lambda rng: rng.choice(["left", "right"])},
    ),
    dict(
        diagnosis="Acute pyelonephritis",
        presentation="{age}-year-old presented with fever, rigors, vomiting and right loin pain.",
        course="Treated with intravenous gentamicin and fluids, then oral antibiotics guided by the urine culture. "
               "Fever settled within 48 hours and oral intake returned to normal.",
        results=[("Urine culture: Escherichia coli, sensitive to cefalexin.", "E. coli on urine culture"),
                 ("Creatinine peaked at {cr} µmol/L and improved to {cr2} µmol/L at discharge.",
                  "creatinine peak {cr} µmol/L, {cr2} µmol/L at discharge"),
                 ("CRP {crp} mg/L.", "CRP {crp} mg/L")],
        meds=["Cefalexin 1 g three times daily to complete 10 days of treatment."],
        followup=[("GP to repeat kidney function in 1 week.", "repeat kidney function in 1 week"),
                  ("Renal tract ultrasound as an outpatient.", "outpatient renal ultrasound")],
        params={"cr": _r(125, 175), "cr2": _r(78, 98), "crp": _r(140, 260)},
    ),
    dict(
        diagnosis="Gastroenteritis with acute kidney injury",
        presentation="{age}-year-old presented with 4 days of diarrhoea and vomiting and dizziness on standing.",
        course="Treated with intravenous fluids. Ramipril and metformin were withheld. Diarrhoea settled and "
               "kidney function improved.",
        results=[("Creatinine {cr} µmol/L on admission, {cr2} µmol/L on discharge.",
                  "creatinine {cr} µmol/L on admission, {cr2} µmol/L on discharge"),
                 ("Potassium {k} mmol/L on admission.", "potassium {k} mmol/L on admission"),
                 ("Stool culture negative.", "")],
        meds=["Ramipril: withheld. Do not restart until reviewed by the GP.",
              "Metformin: restart once eating and drinking normally."],
        followup=[("GP to repeat kidney function in 1 week and restart ramipril if creatinine is stable.",
                   "repeat kidney function in 1 week before restarting ramipril"),
                  ("Follow sick day rules during future episodes of vomiting or diarrhoea.",
                   "sick day rules for future illness")],
        params={"cr": _r(165, 260), "cr2": _r(88, 118), "k": _r(5.6, 6.1, 1)},
    ),
    dict(
        diagnosis="Fall with fracture of the {side} distal radius",
        presentation="{age}-year-old tripped at home and fell onto an outstretched {side} hand.",
        course="The fracture was manipulated under a regional block and placed in a plaster cast. Assessed by "
               "the falls team; no dizziness or blackout preceded the fall.",
        results=[("X-ray: fracture of the {side} distal radius, satisfactory position after manipulation.",
                  "fracture of the {side} distal radius"),
                 ("Vitamin D {vitd} nmol/L.", "low vitamin D ({vitd} nmol/L)")],
        meds=["Colecalciferol 20,000 units twice weekly for 7 weeks, then 800 units daily.",
              "Paracetamol 1 g up to four times daily as needed."],
        followup=[("Fracture clinic in 1 week with a repeat X-ray.", "fracture clinic with repeat X-ray in 1 week"),
                  ("DEXA bone density scan.", "DEXA scan"),
                  ("Community falls prevention assessment.", "falls prevention assessment")],
        params={"vitd": _r(12, 24), "side": lambda rng: rng.choice(["left", "right"])},
    ),
    dict(
        diagnosis="Acute severe asthma",
        presentation="{age}-year-old with asthma presented with wheeze and breathlessness after a viral illness, "
                     "unable to complete sentences.",
        course="Treated with nebulised salbutamol and ipratropium, oral prednisolone and intravenous magnesium. "
               "Peak flow improved to {pef2}% of best before discharge.",
        results=[("Peak flow {pef}% of best on arrival.", "peak flow {pef}% of best on arrival"),
                 ("Oxygen saturation {sat}% on arrival.", "oxygen saturation {sat}% on arrival")],
        meds=["Prednisolone 40 mg once daily to complete 5 days.",
              "Preventer stepped up to budesonide/formoterol 200/6, 2 puffs twice daily.",
              "Salbutamol 100 micrograms, 2 puffs as needed."],
        followup=[("GP or asthma nurse review within 2 working days.", "asthma review within 2 working days"),
                  ("Update the personal asthma action plan and check inhaler technique.",
                   "updated asthma action plan and inhaler technique check")],
        params={"pef": _r(35, 48), "pef2": _r(76, 88), "sat": _r(92, 94)},
    ),
]


def discharge_letter(rng: random.Random) -> tuple[str, str, str]:
    p = person(rng)
    sc = rng.choice(DISCHARGE)
    vals = {k: g(rng) for k, g in sc["params"].items()}
    vals["age"] = p["age"]
    f = lambda s: s.format(**vals)  # noqa: E731
    high_bp = rng.random() < 0.2
    v = vitals(rng, high_bp=high_bp)
    n_days = rng.randint(2, 9)
    findings = [f(s) for _, s in sc["results"] if s]
    recs = [f(s) for _, s in sc["followup"]]
    follow_lines = [f(r) for r, _ in sc["followup"]]
    if high_bp:
        findings.append(f"blood pressure raised at discharge ({v['sys']}/{v['dia']} mmHg)")
        follow_lines.append("Blood pressure was raised at discharge; GP to recheck within 2 weeks.")
        recs.append("GP to recheck blood pressure within 2 weeks")
    upper = rng.random() < 0.4
    h = (lambda s: s.upper()) if upper else (lambda s: s)
    pronoun = "She" if p["sex"] == "female" else "He"
    lines = [f"{rng.choice(HOSPITALS)} - Discharge Letter",
             f"Patient: {p['name']} ({p['sex']}, {p['age']} years)",
             f"Admitted: {date(rng)}. Length of stay: {n_days} days.",
             f"Consultant: {rng.choice(CLINICIANS)}. To: the patient's GP, {rng.choice(PRACTICES)}.",
             "",
             h("Diagnosis"), f(sc["diagnosis"]) + ".",
             "",
             h("Presentation"), cap(f(sc["presentation"])),
             "",
             h("Key results"), *[f"- {f(r)}" for r, _ in sc["results"]],
             "",
             h("Hospital course"), f(sc["course"]),
             "",
             h("Observations on discharge"), vitals_report(rng, v),
             f"{pronoun} was mobile and eating and drinking normally at discharge.",
             "",
             h("Medications on discharge"), *[f"- {f(m)}" for m in sc["meds"]],
             "No known drug allergies.",
             "",
             h("Follow-up and advice"), *[f"{i}. {x}" for i, x in enumerate(follow_lines, 1)],
             "",
             f"Yours sincerely, {rng.choice(CLINICIANS)}, on behalf of the consultant"]
    report = "\n".join(lines)
    summary = "\n".join([
        f"Vital signs: {vitals_summary(v)}",
        f"Abnormal findings: {cap(join_list(findings))}.",
        f"Recommendations: {cap(join_list(recs))}.",
    ])
    return report, summary, "discharge letter"


# --------------------------------------------------------------------------------------------------
# Laboratory panels
# --------------------------------------------------------------------------------------------------

# test -> (display name, unit, low, high, decimals, reference text)
TESTS = {
    "hb_f": ("Haemoglobin", "g/L", 120, 150, 0, "120-150"),
    "hb_m": ("Haemoglobin", "g/L", 130, 170, 0, "130-170"),
    "wcc": ("White cell count", "x10^9/L", 4.0, 11.0, 1, "4.0-11.0"),
    "plt": ("Platelets", "x10^9/L", 150, 400, 0, "150-400"),
    "mcv": ("MCV", "fL", 80, 100, 0, "80-100"),
    "na": ("Sodium", "mmol/L", 135, 145, 0, "135-145"),
    "k": ("Potassium", "mmol/L", 3.5, 5.3, 1, "3.5-5.3"),
    "urea": ("Urea", "mmol/L", 2.5, 7.8, 1, "2.5-7.8"),
    "cr": ("Creatinine", "µmol/L", 55, 100, 0, "45-110"),
    "egfr": ("eGFR", "mL/min/1.73m²", 91, 120, 0, ">90"),
    "alt": ("ALT", "U/L", 9, 38, 0, "<40"),
    "alp": ("Alkaline phosphatase", "U/L", 40, 125, 0, "30-130"),
    "bili": ("Bilirubin", "µmol/L", 4, 19, 0, "<21"),
    "alb": ("Albumin", "g/L", 36, 49, 0, "35-50"),
    "tc": ("Total cholesterol", "mmol/L", 3.6, 4.9, 1, "<5.0"),
    "ldl": ("LDL cholesterol", "mmol/L", 1.6, 2.9, 1, "<3.0"),
    "hdl": ("HDL cholesterol", "mmol/L", 1.1, 1.9, 1, ">1.0"),
    "tg": ("Triglycerides", "mmol/L", 0.7, 1.6, 1, "<1.7"),
    "a1c": ("HbA1c", "mmol/mol", 28, 40, 0, "<42"),
    "glu": ("Fasting glucose", "mmol/L", 4.1, 5.4, 1, "3.9-5.5"),
    "tsh": ("TSH", "mU/L", 0.6, 3.8, 2, "0.27-4.20"),
    "ft4": ("Free T4", "pmol/L", 12.5, 21.0, 1, "12.0-22.0"),
    "ferr": ("Ferritin", "µg/L", 40, 260, 0, "30-300"),
    "b12": ("Vitamin B12", "ng/L", 230, 700, 0, "197-771"),
    "vitd": ("Vitamin D (25-OH)", "nmol/L", 52, 110, 0, ">50"),
    "crp": ("CRP", "mg/L", 0.5, 4.5, 1, "<5"),
}
GROUPS = {
    "Full blood count": ["hb", "wcc", "plt", "mcv"],
    "Kidney function": ["na", "k", "urea", "cr", "egfr"],
    "Liver function": ["alt", "alp", "bili", "alb"],
    "Lipids": ["tc", "ldl", "hdl", "tg"],
    "Diabetes": ["a1c", "glu"],
    "Thyroid": ["tsh", "ft4"],
    "Haematinics": ["ferr", "b12"],
    "Other": ["vitd", "crp"],
}

# pattern: tests {key: (lo, hi, flag)}, summary finding, report comment, summary recommendation
PATTERNS = {
    "iron": dict(tests={"hb": ("hb_low", None, "L"), "mcv": (68, 77, "L"), "ferr": (4, 14, "L")},
                 finding="low haemoglobin ({hb} g/L), low MCV ({mcv} fL) and low ferritin ({ferr} µg/L), in keeping "
                         "with iron deficiency anaemia",
                 comment="Microcytic anaemia with low ferritin, consistent with iron deficiency. Suggest oral iron "
                         "(ferrous sulfate 200 mg once daily) and investigation of the cause, including coeliac "
                         "serology.",
                 rec="oral iron (ferrous sulfate 200 mg once daily) and investigation of the cause, including "
                     "coeliac serology"),
    "b12": dict(tests={"b12": (95, 175, "L"), "mcv": (101, 109, "H")},
                finding="low vitamin B12 ({b12} ng/L) with raised MCV ({mcv} fL)",
                comment="Low vitamin B12 with macrocytosis. Suggest checking intrinsic factor antibodies and "
                        "starting vitamin B12 replacement.",
                rec="intrinsic factor antibodies and vitamin B12 replacement"),
    "hypo": dict(tests={"tsh": (9.0, 28.0, "H"), "ft4": (6.5, 11.2, "L")},
                 finding="raised TSH ({tsh} mU/L) with low free T4 ({ft4} pmol/L), consistent with primary "
                         "hypothyroidism",
                 comment="Consistent with primary hypothyroidism. Suggest starting levothyroxine and repeating "
                         "thyroid function tests 6 to 8 weeks later.",
                 rec="consider levothyroxine, with thyroid function repeated 6 to 8 weeks later"),
    "subhypo": dict(tests={"tsh": (4.8, 8.9, "H")},
                    finding="mildly raised TSH ({tsh} mU/L) with normal free T4",
                    comment="Raised TSH with normal free T4 (subclinical hypothyroidism). Suggest repeating thyroid "
                            "function with thyroid peroxidase antibodies in 3 months.",
                    rec="repeat thyroid function with thyroid peroxidase antibodies in 3 months"),
    "hyper": dict(tests={"tsh": (0.01, 0.05, "L"), "ft4": (27.0, 41.0, "H")},
                  finding="suppressed TSH ({tsh} mU/L) with raised free T4 ({ft4} pmol/L), consistent with "
                          "hyperthyroidism",
                  comment="Consistent with hyperthyroidism. Suggest TSH receptor antibodies and referral to "
                          "endocrinology.",
                  rec="TSH receptor antibodies and endocrinology referral"),
    "diabetes": dict(tests={"a1c": (50, 79, "H"), "glu": (7.3, 12.6, "H")},
                     finding="HbA1c {a1c} mmol/mol and fasting glucose {glu} mmol/L, in the diabetes range",
                     comment="HbA1c is in the diabetes range (48 mmol/mol or above). If the patient has no "
                             "symptoms, repeat the HbA1c to confirm the diagnosis.",
                     rec="repeat HbA1c to confirm diabetes if there are no symptoms"),
    "prediabetes": dict(tests={"a1c": (42, 47, "H")},
                        finding="HbA1c {a1c} mmol/mol, in the prediabetes range",
                        comment="HbA1c 42-47 mmol/mol indicates a high risk of diabetes (prediabetes). Suggest "
                                "lifestyle advice and a repeat HbA1c in 12 months.",
                        rec="lifestyle advice and repeat HbA1c in 12 months"),
    "lipids": dict(tests={"tc": (6.1, 7.9, "H"), "ldl": (4.0, 5.7, "H")},
                   finding="raised total cholesterol ({tc} mmol/L) and LDL cholesterol ({ldl} mmol/L)",
                   comment="Raised cholesterol. Suggest calculating 10-year cardiovascular risk and discussing "
                           "lifestyle changes and statin treatment.",
                   rec="cardiovascular risk assessment and discussion of statin treatment"),
    "tg": dict(tests={"tg": (2.3, 4.6, "H")},
               finding="raised triglycerides ({tg} mmol/L)",
               comment="Raised triglycerides. Suggest reducing alcohol and refined sugar and repeating a fasting "
                       "lipid profile in 3 months.",
               rec="reduce alcohol and sugar, with fasting lipids repeated in 3 months"),
    "kidney": dict(tests={"cr": (140, 215, "H"), "egfr": (26, 48, "L")},
                   finding="raised creatinine ({cr} µmol/L) with reduced eGFR ({egfr} mL/min/1.73m²)",
                   comment="Reduced kidney function. Suggest repeating kidney function within 1 week and reviewing "
                           "medicines that affect the kidneys.",
                   rec="repeat kidney function within 1 week and review of medicines that affect the kidneys"),
    "lowk": dict(tests={"k": (2.9, 3.3, "L")},
                 finding="low potassium ({k} mmol/L)",
                 comment="Low potassium. Suggest reviewing diuretic treatment and repeating potassium within 1 week.",
                 rec="review of diuretic treatment and repeat potassium within 1 week"),
    "highk": dict(tests={"k": (5.6, 5.9, "H")},
                  finding="raised potassium ({k} mmol/L)",
                  comment="Raised potassium. Suggest repeating on a fresh sample within 3 days and reviewing "
                          "medicines that raise potassium.",
                  rec="repeat potassium within 3 days and review of medicines that raise potassium"),
    "alt": dict(tests={"alt": (62, 145, "H")},
                finding="raised ALT ({alt} U/L)",
                comment="Raised ALT. Suggest reviewing alcohol intake, repeating liver tests in 3 months and "
                        "arranging a liver ultrasound.",
                rec="review of alcohol intake, repeat liver tests in 3 months and a liver ultrasound"),
    "infection": dict(tests={"crp": (38, 165, "H"), "wcc": (12.1, 17.8, "H")},
                      finding="raised CRP ({crp} mg/L) and white cell count ({wcc} x10^9/L)",
                      comment="Raised inflammatory markers. Suggest clinical review for a source of infection and "
                              "repeating CRP and full blood count in 1 week.",
                      rec="clinical review for infection, then repeat CRP and full blood count in 1 week"),
    "vitd": dict(tests={"vitd": (11, 24, "L")},
                 finding="low vitamin D ({vitd} nmol/L)",
                 comment="Vitamin D deficiency. Suggest a loading course of colecalciferol followed by a daily "
                         "maintenance dose.",
                 rec="colecalciferol loading course, then daily maintenance"),
    "lowna": dict(tests={"na": (126, 132, "L")},
                  finding="low sodium ({na} mmol/L)",
                  comment="Low sodium. Suggest reviewing medicines such as thiazide diuretics and SSRIs and "
                          "repeating sodium within 1 week.",
                  rec="review of medicines such as thiazides and SSRIs, and repeat sodium within 1 week"),
}
# patterns that use the same test cannot be combined
LAB_TITLES = ["Laboratory Report", "Blood Test Results", "Pathology Report", "Clinical Biochemistry and "
              "Haematology Report"]
LAB_REASONS = ["Tiredness for 3 months.", "Annual chronic disease review.", "Routine health screen.",
               "Weight gain and low mood.", "Follow-up of previous abnormal results.", "Feeling generally unwell.",
               "Medication monitoring."]


def _fmt(x: float, nd: int) -> str:
    return f"{x:.{nd}f}" if nd else str(int(round(x)))


def lab_panel(rng: random.Random) -> tuple[str, str, str]:
    p = person(rng)
    hb_key = "hb_f" if p["sex"] == "female" else "hb_m"
    n_pat = rng.choice([0, 1, 1, 2, 2, 3])
    chosen: list[str] = []
    used: set[str] = set()
    for name in rng.sample(sorted(PATTERNS), len(PATTERNS)):
        if len(chosen) == n_pat:
            break
        keys = set(PATTERNS[name]["tests"])
        if keys & used:
            continue
        chosen.append(name)
        used |= keys
    groups = set(rng.sample(sorted(GROUPS), rng.randint(5, 7)))
    for name in chosen:
        for key in PATTERNS[name]["tests"]:
            groups |= {g for g, ks in GROUPS.items() if key in ks}
    values: dict[str, tuple[str, str]] = {}
    for g in sorted(groups):
        for key in GROUPS[g]:
            tkey = hb_key if key == "hb" else key
            _, _, lo, hi, nd, _ = TESTS[tkey]
            values[key] = (_fmt(rng.uniform(lo, hi), nd), "")
    fills = {}
    for name in chosen:
        for key, (lo, hi, flag) in PATTERNS[name]["tests"].items():
            if lo == "hb_low":
                lo, hi = (92, 113) if p["sex"] == "female" else (98, 123)
            nd = TESTS[hb_key if key == "hb" else key][4]
            val = _fmt(rng.uniform(lo, hi), nd)
            values[key] = (val, flag)
            fills[key] = val
    findings = [PATTERNS[n]["finding"].format(**fills) for n in chosen]
    comments = [PATTERNS[n]["comment"] for n in chosen]
    recs = [PATTERNS[n]["rec"] for n in chosen]

    style = rng.randrange(2)
    lines = [f"{rng.choice(LAB_TITLES)} - {rng.choice(HOSPITALS)} Pathology",
             f"Patient: {p['name']}    Sex: {p['sex']}    Age: {p['age']}",
             f"Requested by: {rng.choice(CLINICIANS)}, {rng.choice(PRACTICES)}",
             f"Sample collected: {date(rng)}, {rng.choice(['08:15', '09:05', '10:40', '11:20', '14:30'])}",
             f"Clinical details: {rng.choice(LAB_REASONS)}",
             f"Specimen: venous blood{', fasting' if 'glu' in values else ''}. Reported the following working day.",
             ""]
    for g in GROUPS:
        if g not in groups:
            continue
        lines.append(g.upper())
        for key in GROUPS[g]:
            name, unit, _, _, _, ref = TESTS[hb_key if key == "hb" else key]
            val, flag = values[key]
            flag_txt = {"H": "HIGH", "L": "LOW", "": ""}[flag]
            if style == 0:
                lines.append(f"{name:<22} {val:>7} {unit:<15} ({ref}) {flag_txt}".rstrip())
            else:
                lines.append(f"{name}: {val} {unit} [ref {ref}]" + (f" *{flag_txt}*" if flag_txt else ""))
        lines.append("")
    lines.append("COMMENT")
    if comments:
        lines += comments
    else:
        lines.append("All results are within the reference ranges. No action needed; routine monitoring as "
                     "clinically indicated.")
    lines += ["", f"Authorised by: {rng.choice(CLINICIANS)}, Consultant Chemical Pathologist",
              "Results should be interpreted in the clinical context. Reference ranges apply to adults."]
    report = "\n".join(lines)
    summary = "\n".join([
        "Vital signs: Not recorded in this report.",
        f"Abnormal findings: {cap(join_list(findings))}." if findings else
        "Abnormal findings: None; all results are within the reference ranges.",
        f"Recommendations: {cap(join_list(recs))}." if recs else
        "Recommendations: No action needed; routine monitoring as clinically indicated.",
    ])
    return report, summary, "lab report"


GENERATORS = {"physical_exam": physical_exam, "discharge": discharge_letter, "lab_panel": lab_panel}

PROMPTS_FIRST = [
    "Summarize this report:\n\n{r}",
    "Summarize this report:\n\n{r}",
    "Summarize this report:\n\n{r}",
    "Summarise this report:\n\n{r}",
    "Please summarize the following {doc}:\n\n{r}",
    "Can you summarise this {doc} for me?\n\n{r}",
    "Give me a short summary of this {doc}.\n\n{r}",
    "Summarize:\n\n{r}",
]
PROMPTS_LAST = [
    "{r}\n\nSummarize this report.",
    "{r}\n\nCan you give me a summary of the above?",
    "{r}\n\nPlease summarise this {doc}.",
    "{r}\n\nWhat are the key points of this {doc}? Summarize it.",
]


def make_example(rng: random.Random, kind: str) -> tuple[str, str, str]:
    report, summary, doc = GENERATORS[kind](rng)
    tmpl = rng.choice(PROMPTS_FIRST) if rng.random() < 0.7 else rng.choice(PROMPTS_LAST)
    return tmpl.format(r=report, doc=doc), summary, report
