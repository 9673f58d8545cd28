"""Hand-written general medical Q&A (written for medrouter, Apache-2.0).

Each topic: (list of question phrasings, one answer). Answers are 2-4 sentences, <= 90 words, textbook facts.
Units: UK/international style (mmol/L) with US units where helpful. HELD_OUT topics never appear in TRAIN.
"""

TRAIN = [
    (["What counts as high blood pressure?",
      "at what reading is blood pressure considered too high",
      "When is someone diagnosed with hypertension?"],
     "Hypertension is usually diagnosed when clinic blood pressure is repeatedly 140/90 mmHg or higher, or the "
     "home average is 135/85 mmHg or higher; some US guidelines use a lower threshold of 130/80 mmHg. It rarely "
     "causes symptoms, so regular checks are important. Untreated high blood pressure increases the risk of "
     "stroke, heart attack, heart failure and kidney disease."),
    (["What is a normal resting heart rate for an adult?",
      "is a pulse of 55 normal?"],
     "A normal resting heart rate for adults is usually 60 to 100 beats per minute. Fit people and athletes "
     "often have rates between 40 and 60 without any problem. A slow or fast rate is worth checking if it comes "
     "with dizziness, fainting, chest pain or breathlessness."),
    (["What does an HbA1c test measure?",
      "what is hba1c",
      "My doctor ordered an HbA1c. What is that?"],
     "HbA1c measures how much glucose is attached to haemoglobin in red blood cells, which reflects average "
     "blood sugar over the previous 2 to 3 months. An HbA1c of 48 mmol/mol (6.5%) or higher is used to diagnose "
     "diabetes. In people with diabetes it is used to judge long-term control, and a common target is about "
     "48 to 53 mmol/mol (6.5 to 7.0%)."),
    (["What is a normal fasting blood sugar?",
      "what fasting glucose level means diabetes?",
      "Is a fasting sugar of 6.2 normal?"],
     "A normal fasting plasma glucose is below about 5.6 mmol/L (100 mg/dL). Values from 5.6 to 6.9 mmol/L "
     "(100 to 125 mg/dL) suggest impaired fasting glucose, a form of prediabetes. A fasting level of 7.0 mmol/L "
     "(126 mg/dL) or higher, confirmed on a second test, is consistent with diabetes."),
    (["What are the symptoms of low blood sugar and how do I treat it?",
      "how do you treat a hypo",
      "What should a diabetic do if their sugar drops too low?"],
     "Low blood sugar (below 4 mmol/L or 70 mg/dL) can cause shaking, sweating, hunger, a fast heartbeat, "
     "irritability and confusion. Treat it with 15 to 20 g of fast-acting sugar, such as glucose tablets or a "
     "small glass of fruit juice, then recheck after 15 minutes and repeat if still low. Once recovered, eat a "
     "snack or meal containing starchy carbohydrate."),
    (["What is the difference between type 1 and type 2 diabetes?",
      "type 1 vs type 2 diabetes?"],
     "In type 1 diabetes the immune system destroys the insulin-producing cells of the pancreas, so insulin "
     "treatment is needed from diagnosis. In type 2 diabetes the body becomes resistant to insulin and does not "
     "make enough of it; it is linked to excess weight, inactivity and family history. Type 2 is often treated "
     "first with lifestyle changes and tablets such as metformin."),
    (["How does metformin work and what are its side effects?",
      "why does metformin upset my stomach",
      "What is metformin used for?"],
     "Metformin is a first-line medicine for type 2 diabetes. It lowers blood glucose mainly by reducing glucose "
     "production in the liver and improving the body's response to insulin, and it rarely causes low blood sugar "
     "on its own. Common side effects are nausea, diarrhoea and stomach upset, which are reduced by taking it "
     "with food and increasing the dose slowly. Long-term use can lower vitamin B12 levels."),
    (["What do statins do?",
      "how does atorvastatin work",
      "Why was I prescribed a statin?"],
     "Statins such as atorvastatin and simvastatin lower LDL cholesterol by blocking HMG-CoA reductase, an "
     "enzyme the liver uses to make cholesterol. Lowering LDL reduces the risk of heart attack and stroke, both "
     "in people who already have heart disease and in those at high risk. They are usually taken once a day "
     "and continued long term."),
    (["Can statins cause muscle pain?",
      "my legs ache since starting simvastatin, is that the statin?"],
     "Muscle aches are the most commonly reported side effect of statins, although many aches turn out not to "
     "be caused by the statin itself. Serious muscle damage is rare. Report unexplained muscle pain, weakness or "
     "dark urine to your doctor promptly, who may check a blood test and adjust the dose or change the statin."),
    (["Can I drink grapefruit juice with my statin?",
      "is grapefruit bad with cholesterol tablets"],
     "Large amounts of grapefruit juice can raise the blood levels of simvastatin and, to a lesser extent, "
     "atorvastatin, increasing the risk of side effects. This happens because grapefruit blocks an enzyme that "
     "breaks these drugs down. Rosuvastatin and pravastatin are much less affected. Check the leaflet for your "
     "specific statin."),
    (["What is LDL cholesterol?",
      "what does 'bad cholesterol' mean",
      "what should my LDL be?"],
     "LDL cholesterol is often called 'bad' cholesterol because it builds up in artery walls and forms plaques "
     "that can cause heart attacks and strokes. For most healthy adults a level below about 3.0 mmol/L "
     "(116 mg/dL) is desirable. People with heart disease or diabetes are usually advised to aim much lower, "
     "often below 1.8 mmol/L (70 mg/dL)."),
    (["What is HDL cholesterol?",
      "is high HDL good?"],
     "HDL cholesterol is often called 'good' cholesterol because it carries cholesterol away from the arteries "
     "back to the liver. Higher levels are generally linked with lower heart disease risk; below about 1.0 mmol/L "
     "in men or 1.2 mmol/L in women is considered low. Regular exercise, stopping smoking and losing excess "
     "weight can raise HDL."),
    (["What are triglycerides?",
      "my triglycerides are high, what does that mean?"],
     "Triglycerides are a type of fat in the blood that the body uses for energy. A fasting level below "
     "1.7 mmol/L (150 mg/dL) is considered normal. High levels are linked to excess weight, alcohol, sugary "
     "foods, poorly controlled diabetes and some medicines, and very high levels can cause pancreatitis."),
    (["What is ejection fraction?",
      "what does EF mean on a heart scan",
      "my echo says ejection fraction 40%, what does that mean?"],
     "Ejection fraction is the percentage of blood the left ventricle pumps out with each heartbeat. A normal "
     "value is about 50 to 70 percent. An ejection fraction of 40 percent or less is called reduced ejection "
     "fraction and is one way heart failure is classified. It is usually measured with an echocardiogram."),
    (["What are the symptoms of heart failure?",
      "signs my heart is failing?"],
     "Common symptoms of heart failure are breathlessness on exertion or when lying flat, tiredness, and swelling "
     "of the ankles, legs or abdomen caused by fluid build-up. Some people wake at night short of breath or "
     "notice rapid weight gain over a few days. Heart failure is a long-term condition that is usually managed "
     "well with medicines and self-care."),
    (["What does furosemide do?",
      "why am I on a water tablet",
      "what is a water pill"],
     "Furosemide is a loop diuretic, often called a water tablet or water pill. It makes the kidneys remove "
     "extra salt and water, which reduces swelling and breathlessness in conditions such as heart failure. You "
     "will pass more urine for a few hours after each dose, so it is usually taken in the morning. It can lower "
     "potassium and affect the kidneys, so blood tests are needed."),
    (["What are the signs of a heart attack?",
      "how do I know if I'm having a heart attack",
      "What does a heart attack feel like?"],
     "A heart attack typically causes central chest pain or pressure that may spread to the arms, jaw, neck or "
     "back, often with sweating, breathlessness, nausea or light-headedness. Women, older people and people with "
     "diabetes may have milder or unusual symptoms. Call emergency services immediately; do not drive yourself "
     "to hospital."),
    (["What are the warning signs of a stroke?",
      "what does FAST stand for in stroke?"],
     "The FAST test helps spot a stroke: Face drooping on one side, Arm weakness or numbness, Speech slurred or "
     "confused, and Time to call emergency services. Other signs include sudden loss of vision, severe sudden "
     "headache, or loss of balance. Treatment works best within the first few hours, so act immediately even if "
     "symptoms improve."),
    (["What is atrial fibrillation?",
      "what is AFib",
      "Why is atrial fibrillation dangerous?"],
     "Atrial fibrillation is a common heart rhythm problem in which the upper chambers beat irregularly and often "
     "fast. It can cause palpitations, breathlessness and tiredness, though some people notice nothing. Its main "
     "danger is stroke, because blood clots can form in the heart, so many people are offered an anticoagulant "
     "as well as treatment to control the heart rate or rhythm."),
    (["What is INR and what should it be on warfarin?",
      "what is a normal INR for someone on warfarin?"],
     "INR measures how long blood takes to clot compared with normal; without warfarin it is about 1.0. For most "
     "people taking warfarin, such as for atrial fibrillation or a clot in the leg, the target range is 2.0 to "
     "3.0. Some people with mechanical heart valves need a higher target. Regular INR tests are needed because "
     "diet, illness and other medicines can change it."),
    (["Do I need to avoid green vegetables on warfarin?",
      "warfarin and vitamin K foods?"],
     "You do not need to avoid green vegetables while taking warfarin, but you should keep your intake fairly "
     "steady. Foods rich in vitamin K, such as spinach, kale and broccoli, reduce warfarin's effect, so sudden "
     "large changes can alter your INR. Also avoid cranberry juice and binge drinking, and tell your clinic about "
     "any new medicines."),
    (["How is apixaban different from warfarin?",
      "do DOACs need blood tests like warfarin?"],
     "Apixaban, rivaroxaban, edoxaban and dabigatran are direct oral anticoagulants (DOACs). Unlike warfarin, "
     "they do not need regular INR checks and have few food interactions. Kidney function is still checked "
     "regularly because it affects the dose. Missing doses matters more, because their effect wears off within "
     "about a day."),
    (["Should I take a daily aspirin to prevent a heart attack?",
      "is baby aspirin every day a good idea"],
     "For people who have already had a heart attack, stroke or stent, low-dose aspirin is often recommended. "
     "For people without cardiovascular disease, current guidelines generally do not recommend routine daily "
     "aspirin, because the bleeding risk, including stomach bleeds, usually outweighs the benefit. Do not start "
     "or stop aspirin without discussing it with your doctor."),
    (["What is the difference between a preventer and a reliever inhaler?",
      "brown inhaler vs blue inhaler",
      "why do I have two inhalers for asthma?"],
     "A preventer inhaler contains an inhaled corticosteroid that reduces inflammation in the airways; it works "
     "over days to weeks and must be used every day, even when you feel well. A reliever inhaler, such as "
     "salbutamol, opens the airways within minutes and is used when symptoms occur. Needing a reliever three or "
     "more times a week suggests asthma is not well controlled."),
    (["What are the side effects of salbutamol?",
      "ventolin makes my hands shake, is that normal?"],
     "Salbutamol commonly causes shaky hands, a fast or pounding heartbeat and sometimes headache, especially "
     "after several puffs. These effects are usually mild and wear off within an hour. If you need salbutamol "
     "often, or it is not relieving your symptoms, your asthma needs reviewing."),
    (["Why should I rinse my mouth after using a steroid inhaler?",
      "how do I avoid thrush from my inhaler"],
     "Some of the steroid from a preventer inhaler stays in the mouth and throat, which can cause oral thrush "
     "(white patches) and a hoarse voice. Rinsing your mouth with water and spitting it out, or brushing your "
     "teeth, after each dose reduces this risk. Using a spacer with a pressurised inhaler also helps."),
    (["What is a spacer and why use one?",
      "do adults need a spacer for their inhaler?"],
     "A spacer is a plastic tube that attaches to a pressurised inhaler and holds the medicine so you can breathe "
     "it in slowly. It helps more medicine reach the lungs and less stay in the mouth, and it removes the need to "
     "coordinate pressing and breathing in. Spacers are useful for adults as well as children, and are "
     "recommended during asthma attacks."),
    (["What is COPD?",
      "what does chronic obstructive pulmonary disease mean",
      "is COPD the same as emphysema?"],
     "COPD (chronic obstructive pulmonary disease) is a long-term lung condition that narrows the airways and "
     "damages the air sacs, and it includes emphysema and chronic bronchitis. Smoking is the main cause. "
     "Symptoms are breathlessness, a persistent cough and phlegm, and it is confirmed by spirometry showing an "
     "FEV1/FVC ratio below 0.7. Stopping smoking is the most effective treatment."),
    (["What are the symptoms of pneumonia?",
      "how do I know if a chest infection is pneumonia?"],
     "Pneumonia is an infection of the lung tissue. Typical symptoms are cough with phlegm, fever, shivering, "
     "breathlessness, a fast heartbeat and chest pain on breathing in. Older people may mainly become confused. "
     "Seek medical help if you are breathless, have chest pain, are coughing up blood or feel very unwell, as "
     "antibiotics may be needed."),
    (["What's the difference between a cold and the flu?",
      "cold vs flu symptoms"],
     "A cold comes on gradually with a runny or blocked nose, sneezing and a sore throat, and you can usually "
     "carry on with daily life. Flu starts suddenly with fever, muscle aches, exhaustion and often a dry cough, "
     "and can keep you in bed for days. Both are caused by viruses, so antibiotics do not help."),
    (["Do antibiotics work for a cold?",
      "why won't my doctor give me antibiotics for a virus?"],
     "Antibiotics kill bacteria but have no effect on viruses, which cause colds, most sore throats, most coughs "
     "and flu. Taking them unnecessarily does not speed recovery, can cause side effects such as diarrhoea and "
     "thrush, and encourages antibiotic resistance. Rest, fluids and simple painkillers are the usual treatment "
     "for viral infections."),
    (["What are the signs of a penicillin allergy?",
      "how do I know if I'm allergic to amoxicillin?"],
     "Penicillin allergy can cause an itchy rash or hives, swelling, and in severe cases anaphylaxis with "
     "breathing difficulty and collapse. Many people labelled allergic are not, because rashes during an "
     "infection are often caused by the illness itself. Allergy testing can clarify this; until then, avoid "
     "penicillins and always tell clinicians about the reaction."),
    (["What is anaphylaxis and what should I do?",
      "how do you use an epipen",
      "someone is having a severe allergic reaction, what do I do?"],
     "Anaphylaxis is a severe, life-threatening allergic reaction causing swelling of the throat or tongue, "
     "difficulty breathing, wheeze, collapse or a fast weak pulse. Inject adrenaline with an auto-injector into "
     "the outer thigh straight away and call emergency services. Lie the person down with legs raised, or sit "
     "them up if breathing is difficult. Give a second dose after 5 minutes if there is no improvement."),
    (["What's the maximum dose of paracetamol?",
      "how much paracetamol can I take in a day",
      "how many tylenol can an adult take safely?"],
     "For most adults the maximum paracetamol (acetaminophen) dose is 1 g (usually two 500 mg tablets) per "
     "dose, with at least 4 hours between doses and no more than 4 g in 24 hours. Lower maximums apply to "
     "people under 50 kg and people with liver disease or heavy alcohol use. Check cold and flu remedies, as "
     "many also contain paracetamol."),
    (["Why is a paracetamol overdose dangerous?",
      "I took too much paracetamol but feel fine, is that ok?"],
     "Paracetamol overdose can cause severe liver damage, and people often feel well for the first day or two "
     "while the damage develops. An effective antidote exists but works best when started early. Anyone who has "
     "taken more than the recommended dose should get urgent medical advice straight away, even without "
     "symptoms."),
    (["What should I know before taking ibuprofen?",
      "who shouldn't take ibuprofen",
      "is advil safe for me?"],
     "Ibuprofen is a non-steroidal anti-inflammatory drug (NSAID) for pain, fever and inflammation, best taken "
     "with food. It can irritate the stomach and cause ulcers or bleeding, and can affect the kidneys and raise "
     "blood pressure. People with stomach ulcers, kidney disease, heart failure, or who are in late pregnancy or "
     "take anticoagulants should ask a pharmacist or doctor first."),
    (["Can I take paracetamol and ibuprofen together?",
      "is it ok to mix tylenol and advil?"],
     "Most healthy adults can take paracetamol and ibuprofen together or alternate them, because they work in "
     "different ways. Keep to the maximum dose of each medicine and do not take more than one product containing "
     "the same drug. People with stomach, kidney or heart problems should check with a pharmacist before using "
     "ibuprofen."),
    (["What temperature counts as a fever?",
      "is 37.8 a fever?"],
     "In adults, a temperature of 38 °C (100.4 °F) or higher is generally considered a fever; normal body "
     "temperature is about 36.1 to 37.2 °C. A fever is usually the body's response to an infection. Seek medical "
     "advice for a temperature over 39.4 °C, a fever lasting more than 3 days, or a fever with a stiff neck, "
     "rash, confusion or breathing difficulty."),
    (["My baby has a fever, when should I worry?",
      "when is a fever in an infant an emergency?"],
     "Any baby under 3 months old with a temperature of 38 °C or higher needs urgent medical assessment. Babies "
     "aged 3 to 6 months with 39 °C or higher should also be seen. At any age, get urgent help for a rash that "
     "does not fade under a glass, floppiness, difficulty breathing, poor feeding or unusual drowsiness."),
    (["What are the signs of dehydration?",
      "how can I tell if I'm dehydrated"],
     "Signs of dehydration include thirst, dark yellow strong-smelling urine, passing urine less often, a dry "
     "mouth, tiredness and dizziness. Babies may have fewer wet nappies and a sunken soft spot on the head. Mild "
     "dehydration improves with drinking more fluids, but seek help if someone is confused, very drowsy or "
     "unable to keep fluids down."),
    (["What should I drink when I have diarrhoea?",
      "do oral rehydration salts help with diarrhea?"],
     "With diarrhoea, drink plenty of fluids in small, frequent sips to replace what is lost. Oral rehydration "
     "solutions replace water, salts and sugar in the right balance and are especially helpful for children, "
     "older people and anyone with signs of dehydration. You can keep eating normally as soon as you feel able."),
    (["When should I see a doctor for diarrhoea and vomiting?",
      "how long does a stomach bug last before I should worry?"],
     "Most gastroenteritis settles within a few days; vomiting usually stops within 1 to 2 days and diarrhoea "
     "within about a week. Seek medical advice for blood in the stool, signs of dehydration, severe abdominal "
     "pain, vomiting that prevents keeping fluids down for over a day, or diarrhoea lasting more than 7 days. "
     "Babies, older people and people with other illnesses should be seen sooner."),
    (["What helps heartburn?",
      "how do I stop acid reflux",
      "tips for GERD"],
     "Heartburn from acid reflux often improves with smaller meals, avoiding eating within 3 hours of bed, "
     "raising the head of the bed, losing excess weight, stopping smoking and cutting down on alcohol, coffee "
     "and fatty or spicy food. Antacids give quick short-term relief. Persistent symptoms, difficulty "
     "swallowing, vomiting or weight loss should be checked by a doctor."),
    (["How should I take omeprazole?",
      "when is the best time to take a PPI?"],
     "Omeprazole is a proton pump inhibitor (PPI) that reduces stomach acid. It works best taken 30 to 60 "
     "minutes before a meal, usually before breakfast. Long-term use should be reviewed regularly, because it is "
     "linked with low magnesium, low vitamin B12 and a higher risk of some gut infections and fractures."),
    (["What is H. pylori?",
      "can a bacteria cause stomach ulcers?"],
     "Helicobacter pylori is a bacterium that can live in the stomach lining and is a major cause of stomach "
     "and duodenal ulcers. It can be detected by a breath, stool or blood test. It is treated with a 1 to 2 "
     "week course of two antibiotics plus an acid-reducing medicine."),
    (["What is irritable bowel syndrome?",
      "what are the symptoms of IBS?"],
     "Irritable bowel syndrome (IBS) is a common long-term condition of the gut causing abdominal pain or "
     "cramps, bloating, and diarrhoea, constipation or both. Symptoms often come and go and can be triggered by "
     "certain foods or stress. It does not damage the bowel, but weight loss, bleeding or symptoms starting "
     "after age 60 should be investigated."),
    (["How can I relieve constipation?",
      "what helps you poop when constipated"],
     "Constipation often improves by gradually increasing fibre from fruit, vegetables, wholegrains and pulses, "
     "drinking enough fluids, and being more active. Do not ignore the urge to open your bowels. If these "
     "changes do not help, a pharmacist can recommend a laxative. See a doctor for blood in the stool, weight "
     "loss or a lasting change in bowel habit."),
    (["What are the symptoms of appendicitis?",
      "how do I know if I have appendicitis"],
     "Appendicitis usually starts with pain around the belly button that moves to the lower right abdomen and "
     "becomes constant and worse with movement or coughing. Loss of appetite, nausea, vomiting and a mild fever "
     "are common. It is a medical emergency because the appendix can burst, so seek urgent care."),
    (["What are gallstones?",
      "pain under my right ribs after fatty food, could it be gallstones?"],
     "Gallstones are small stones that form in the gallbladder, often from cholesterol. Many cause no symptoms, "
     "but a stone blocking the duct can cause sudden severe pain in the upper right or middle of the abdomen, "
     "often after a fatty meal, lasting from minutes to hours. Fever, yellow skin or eyes, or pain lasting more "
     "than 8 hours need urgent medical attention."),
    (["What does a kidney stone feel like?",
      "symptoms of kidney stones"],
     "A kidney stone moving down the ureter typically causes sudden severe pain in the side or back, below the "
     "ribs, which can spread to the groin and come in waves. There may be blood in the urine, nausea and a "
     "frequent urge to urinate. Fever with this pain can mean infection and needs urgent treatment."),
    (["What are the symptoms of a urinary tract infection?",
      "burning when I pee, is that a UTI?",
      "signs of a bladder infection"],
     "A bladder infection (UTI) usually causes burning or stinging when passing urine, needing to go more often "
     "and urgently, cloudy or smelly urine and lower abdominal pain. Fever, shivering, pain in the back or side, "
     "or vomiting suggest a kidney infection, which needs prompt treatment. UTIs in men, pregnant women and "
     "children should always be assessed by a clinician."),
    (["What is eGFR?",
      "what does my kidney function number mean",
      "my eGFR is 55, is that bad?"],
     "eGFR (estimated glomerular filtration rate) estimates how well the kidneys filter blood, calculated from "
     "creatinine, age and sex. A value of 90 or above is normal, and it naturally falls with age. An eGFR below "
     "60 mL/min/1.73m² for more than 3 months indicates chronic kidney disease, and lower values mean more "
     "reduced function."),
    (["What is creatinine?",
      "why is my creatinine high"],
     "Creatinine is a waste product from muscle that the kidneys remove from the blood, so a raised level can "
     "mean the kidneys are not filtering as well. Levels also depend on muscle mass, hydration and some "
     "medicines. Creatinine is used to calculate eGFR, which is the more useful measure of kidney function."),
    (["What is a normal potassium level?",
      "is high potassium dangerous?"],
     "Normal blood potassium is about 3.5 to 5.3 mmol/L, though ranges vary slightly between laboratories. Both "
     "high and low levels can cause dangerous heart rhythm problems and muscle weakness. High potassium can be "
     "caused by kidney disease and medicines such as ACE inhibitors and spironolactone; low potassium is often "
     "caused by diuretics, vomiting or diarrhoea."),
    (["What is a normal sodium level in blood?",
      "what does low sodium mean?"],
     "Normal blood sodium is about 135 to 145 mmol/L. Low sodium (hyponatraemia) can be caused by some "
     "diuretics and antidepressants, heart, liver or kidney disease, or drinking very large amounts of water, "
     "and may cause nausea, headache, confusion and, if severe, seizures. Mildly low levels often cause no "
     "symptoms."),
    (["What is a normal haemoglobin level?",
      "what hemoglobin counts as anaemia?"],
     "Normal haemoglobin is roughly 130 to 170 g/L (13 to 17 g/dL) in adult men and 120 to 150 g/L (12 to "
     "15 g/dL) in adult women, with slight differences between laboratories. A level below the normal range is "
     "called anaemia. Its cause, such as iron or vitamin B12 deficiency or blood loss, should be found."),
    (["What are the symptoms of iron deficiency anaemia?",
      "why am I always tired, could it be low iron?"],
     "Iron deficiency anaemia can cause tiredness, lack of energy, shortness of breath on exertion, pale skin, "
     "palpitations and headaches. Common causes are heavy periods, pregnancy, a diet low in iron and blood loss "
     "from the gut. In men and in women after menopause, the cause should be investigated because it can come "
     "from bleeding in the bowel."),
    (["What does ferritin measure?",
      "my ferritin is low, what does that mean?"],
     "Ferritin reflects the body's iron stores. A low ferritin, generally below about 30 µg/L, indicates iron "
     "deficiency. Ferritin can be raised by inflammation, infection, liver disease or iron overload, so a "
     "normal or high result does not always rule out iron deficiency."),
    (["How should I take iron tablets?",
      "tips for taking ferrous sulfate",
      "why are my poos black on iron tablets?"],
     "Iron tablets are absorbed best on an empty stomach or with vitamin C, such as orange juice; take them "
     "with food if they upset your stomach. Avoid taking them with tea, coffee, milk, antacids or calcium. Dark "
     "or black stools are a normal effect, and constipation or nausea are common side effects."),
    (["What are the symptoms of vitamin B12 deficiency?",
      "can low B12 cause tingling?"],
     "Vitamin B12 deficiency can cause tiredness, anaemia, pins and needles or numbness in the hands and feet, "
     "a sore red tongue, memory problems and mood changes. Causes include pernicious anaemia, a vegan diet, "
     "stomach surgery and long-term use of metformin or acid-reducing medicines. It is treated with B12 "
     "injections or tablets."),
    (["Do I need vitamin D supplements?",
      "how much vitamin D should I take"],
     "The body makes vitamin D from sunlight on the skin, so levels are often low in autumn and winter. UK "
     "guidance suggests adults consider 10 micrograms (400 IU) a day during autumn and winter, and all year if "
     "they rarely go outside or cover their skin. Vitamin D helps keep bones and muscles healthy."),
    (["What does a high TSH mean?",
      "what is TSH in a thyroid test?"],
     "TSH (thyroid-stimulating hormone) is released by the pituitary gland to control the thyroid. A high TSH "
     "usually means an underactive thyroid (hypothyroidism), because the pituitary is pushing a sluggish gland "
     "harder. A low TSH usually means an overactive thyroid. TSH is interpreted together with free T4."),
    (["What are the symptoms of an underactive thyroid?",
      "how do I take levothyroxine?"],
     "An underactive thyroid can cause tiredness, weight gain, feeling cold, constipation, dry skin, low mood "
     "and heavy periods. It is treated with daily levothyroxine, which is best taken on an empty stomach 30 to "
     "60 minutes before breakfast, away from iron and calcium. Blood tests are used to adjust the dose."),
    (["What are the symptoms of an overactive thyroid?",
      "signs of hyperthyroidism"],
     "An overactive thyroid (hyperthyroidism) can cause weight loss despite a good appetite, a fast or irregular "
     "heartbeat, anxiety, shaky hands, sweating, feeling hot, diarrhoea and light periods. Graves' disease is "
     "the most common cause. Treatment options include tablets, radioactive iodine and surgery."),
    (["What does CRP mean in a blood test?",
      "my CRP is raised, what does that mean?"],
     "CRP (C-reactive protein) is made by the liver in response to inflammation. A normal level is usually "
     "below 5 mg/L. A raised CRP can be caused by infection, inflammatory conditions such as arthritis, injury "
     "or surgery; it shows inflammation is present but not its cause."),
    (["What is a normal white blood cell count?",
      "what does a high white cell count mean?"],
     "A normal white blood cell count in adults is about 4.0 to 11.0 × 10⁹/L. A high count often reflects "
     "infection or inflammation, but can also be caused by steroids, stress or, rarely, blood disorders. A low "
     "count can follow viral infections or some medicines and may increase the risk of infection."),
    (["What is a normal platelet count?",
      "what are platelets?"],
     "Platelets are small blood cells that help blood clot. A normal count is about 150 to 400 × 10⁹/L. A low "
     "count can cause easy bruising or bleeding, while a high count is often a reaction to infection, "
     "inflammation or iron deficiency."),
    (["What does ALT mean on a liver test?",
      "why would my liver enzymes be high"],
     "ALT (alanine aminotransferase) is an enzyme released when liver cells are damaged. Mildly raised ALT is "
     "often caused by fatty liver, alcohol or medicines; viral hepatitis and other liver diseases are less "
     "common causes. Raised results are usually repeated and may be followed by further blood tests or a liver "
     "ultrasound."),
    (["How is BMI calculated and what is a healthy BMI?",
      "what is body mass index",
      "I'm 1.75 m and 80 kg, is that overweight?"],
     "BMI is your weight in kilograms divided by your height in metres squared. For most adults 18.5 to 24.9 "
     "is a healthy range, 25 to 29.9 is overweight and 30 or above is obesity; for example, 80 kg at 1.75 m "
     "gives a BMI of about 26. BMI does not distinguish muscle from fat, and lower thresholds are used for some "
     "ethnic groups."),
    (["How much exercise should adults do?",
      "what are the physical activity guidelines?"],
     "Adults should aim for at least 150 minutes of moderate activity, such as brisk walking or cycling, or 75 "
     "minutes of vigorous activity each week. Muscle-strengthening activities on at least 2 days a week are also "
     "recommended. Any activity is better than none, and long periods of sitting should be broken up."),
    (["How much alcohol is safe to drink?",
      "what are the alcohol unit guidelines?"],
     "UK guidance advises not regularly drinking more than 14 units of alcohol a week, spread over 3 or more "
     "days, with several alcohol-free days. Fourteen units is about six pints of average-strength beer or six "
     "175 ml glasses of wine. There is no completely safe level, and pregnant women should avoid alcohol."),
    (["What is the best way to stop smoking?",
      "how can I quit smoking"],
     "Combining stop-smoking medicines with support from a stop-smoking service gives the best chance of "
     "quitting. Options include nicotine replacement (patches plus a faster form such as gum or spray) and "
     "varenicline. Health benefits start within days, and the risk of heart attack falls substantially within "
     "a year."),
    (["How much sleep do adults need?",
      "is 6 hours of sleep enough?"],
     "Most adults need 7 to 9 hours of sleep a night, although individual needs vary. Regularly sleeping less "
     "than 7 hours is linked with poorer concentration, mood, weight gain and higher risk of some long-term "
     "conditions. Daytime sleepiness despite enough time in bed should be discussed with a doctor."),
    (["How can I sleep better?",
      "tips for insomnia"],
     "Keep regular sleep and wake times, including weekends, and make your bedroom dark, quiet and cool. Avoid "
     "caffeine after midday, heavy meals and alcohol late in the evening, and screens before bed. If you cannot "
     "sleep after about 20 minutes, get up and do something relaxing until sleepy. Cognitive behavioural "
     "therapy for insomnia is the most effective long-term treatment."),
    (["What is sleep apnoea?",
      "my partner says I stop breathing when I snore"],
     "Obstructive sleep apnoea is when the throat repeatedly narrows or closes during sleep, causing pauses in "
     "breathing, loud snoring, gasping and poor-quality sleep. It leads to daytime sleepiness and raises the "
     "risk of high blood pressure and accidents. It is diagnosed with a sleep study and often treated with a "
     "CPAP machine and weight loss."),
    (["What is the difference between a migraine and a tension headache?",
      "how do I know if it's a migraine?"],
     "A migraine is typically a moderate to severe throbbing headache, often on one side, lasting 4 to 72 "
     "hours, with nausea and sensitivity to light or sound; some people have an aura beforehand. A tension "
     "headache is usually a milder pressing or tight band around the head without nausea. Both can be helped by "
     "simple painkillers, but frequent headaches need review."),
    (["When is a headache an emergency?",
      "worst headache of my life, should I go to hospital?"],
     "Get emergency help for a sudden severe 'thunderclap' headache, or the worst headache of your life. Also "
     "seek urgent help for a headache with fever and stiff neck or rash, confusion, weakness, slurred speech, "
     "vision loss, a seizure, or after a head injury. These can be signs of bleeding, meningitis or stroke."),
    (["What should I do for lower back pain?",
      "my back hurts after lifting, what helps?"],
     "Most new lower back pain improves within a few weeks. Staying active and continuing normal activities as "
     "much as possible helps recovery more than bed rest, and heat and simple painkillers can ease symptoms. "
     "Seek urgent help for numbness around the genitals or buttocks, loss of bladder or bowel control, or "
     "weakness in the legs."),
    (["What is sciatica?",
      "pain shooting down my leg from my back"],
     "Sciatica is pain caused by irritation of the sciatic nerve, often from a slipped (herniated) disc in the "
     "lower back. It typically causes pain, tingling or numbness spreading from the buttock down the back of the "
     "leg, sometimes to the foot. Most cases improve within 4 to 6 weeks with activity and pain relief."),
    (["What is the difference between osteoarthritis and rheumatoid arthritis?",
      "OA vs RA?"],
     "Osteoarthritis is wear and repair of joint cartilage, usually affecting knees, hips and hands in older "
     "adults, with pain on use and brief morning stiffness. Rheumatoid arthritis is an autoimmune disease "
     "causing swollen, warm joints, often in the hands and feet on both sides, with morning stiffness lasting "
     "over an hour. Rheumatoid arthritis needs early specialist treatment to prevent joint damage."),
    (["What is gout?",
      "why is my big toe suddenly red and swollen?",
      "what causes gout attacks?"],
     "Gout is a type of arthritis caused by uric acid crystals forming in a joint, most often the big toe. It "
     "causes sudden severe pain, redness, heat and swelling, often overnight. Attacks can be triggered by "
     "alcohol, red meat, seafood, sugary drinks, dehydration and some diuretics. Long-term, allopurinol lowers "
     "uric acid and prevents attacks."),
    (["What is osteoporosis?",
      "how can I keep my bones strong?"],
     "Osteoporosis is thinning of the bones that makes them fragile and more likely to break, often without "
     "symptoms until a fracture. It is diagnosed with a DEXA scan, where a T-score of -2.5 or lower indicates "
     "osteoporosis. Weight-bearing exercise, enough calcium and vitamin D, not smoking and limiting alcohol help "
     "protect bones."),
    (["How should I treat a sprained ankle?",
      "what do I do for a twisted ankle?"],
     "For the first few days, rest the ankle, apply ice wrapped in a cloth for up to 20 minutes every 2 to 3 "
     "hours, use a compression bandage and keep it raised. Simple painkillers help. Gradually start walking and "
     "gentle movement as pain allows. Get it checked if you cannot put any weight on it or there is severe pain "
     "over the bone."),
    (["What are the symptoms of depression?",
      "how do I know if I'm depressed?"],
     "Depression involves low mood or loss of interest and pleasure in most things, on most days, for at least "
     "two weeks. Other symptoms include tiredness, poor sleep or oversleeping, appetite change, poor "
     "concentration, feelings of worthlessness or guilt, and thoughts of death. It is common and treatable with "
     "talking therapies, medicines or both."),
    (["What does a panic attack feel like?",
      "is a panic attack dangerous?"],
     "A panic attack is a sudden surge of intense fear with a racing heart, chest tightness, breathlessness, "
     "trembling, sweating, dizziness and a feeling of losing control, usually peaking within 10 minutes. Panic "
     "attacks are frightening but not dangerous. Because symptoms can resemble heart problems, new chest pain "
     "should still be checked."),
    (["How long do antidepressants take to work?",
      "can I stop my sertraline suddenly?"],
     "SSRI antidepressants such as sertraline usually take 2 to 4 weeks to start helping and up to 6 to 8 weeks "
     "for the full effect. Side effects such as nausea or anxiety are often worst in the first weeks. Do not "
     "stop suddenly, as this can cause withdrawal symptoms; your doctor will reduce the dose gradually."),
    (["I've been having thoughts of ending my life. What should I do?",
      "I feel suicidal"],
     "I'm sorry you are feeling this way; you deserve support right now. If you are in immediate danger, call "
     "emergency services or go to the nearest emergency department. You can also contact a crisis line, such as "
     "Samaritans on 116 123 in the UK or 988 in the US, or your doctor today, and tell someone you trust how you "
     "are feeling."),
    (["Who should get the flu vaccine?",
      "do I need a flu jab every year?"],
     "The flu vaccine is offered every year because flu viruses change and protection fades. It is especially "
     "recommended for people aged 65 and over, pregnant women, people with long-term conditions such as heart "
     "or lung disease or diabetes, carers, health workers and young children. It cannot give you flu."),
    (["When do I need a tetanus shot?",
      "stepped on a rusty nail, do I need tetanus?"],
     "Adults who have completed a full course of tetanus vaccines (usually five doses) are generally protected. "
     "After a dirty or deep wound, you may need a booster or other treatment if you are not fully vaccinated or "
     "it is several years since your last dose; rules differ between countries. Clean the wound well and ask a "
     "clinician promptly."),
    (["What does the MMR vaccine protect against?",
      "is MMR safe?"],
     "The MMR vaccine protects against measles, mumps and rubella. Two doses give long-lasting protection and "
     "are usually given in early childhood. It is safe and thoroughly studied; large studies have found no link "
     "with autism. Adults who missed doses can still be vaccinated."),
    (["What is shingles and is there a vaccine?",
      "painful rash on one side of my body"],
     "Shingles is caused by reactivation of the chickenpox virus and produces a painful, blistering rash in a "
     "band on one side of the body. Antiviral treatment works best if started within 3 days of the rash. A "
     "shingles vaccine is offered to older adults and people with weakened immunity to reduce the risk and "
     "long-lasting nerve pain."),
    (["How long is chickenpox contagious?",
      "when can my child go back to school after chickenpox?"],
     "Chickenpox is contagious from about 1 to 2 days before the rash appears until all the spots have crusted "
     "over, usually around 5 days after the rash starts. Children can return to school or nursery once all "
     "spots have crusted. Keep away from pregnant women, newborns and people with weak immunity while "
     "contagious."),
    (["How do I wash my hands properly?",
      "how long should you wash your hands for?"],
     "Wet your hands, apply soap and rub all surfaces, including the backs, between the fingers, thumbs and "
     "fingertips, for at least 20 seconds. Rinse and dry thoroughly with a clean towel. Handwashing is one of the "
     "most effective ways to prevent the spread of stomach bugs and respiratory infections."),
    (["How can I tell if a mole might be skin cancer?",
      "what are the ABCDE signs of melanoma?"],
     "Use the ABCDE guide: Asymmetry, irregular Borders, more than one Colour, Diameter over 6 mm, and Evolving "
     "(changing size, shape or colour). Also watch for moles that bleed, itch or crust, and new spots that "
     "look different from your others. See a doctor promptly about any changing mole."),
    (["What sunscreen should I use?",
      "what SPF do I need?"],
     "Use a broad-spectrum sunscreen with SPF 30 or higher that also protects against UVA. Apply it generously "
     "15 to 30 minutes before going out and reapply every 2 hours and after swimming or sweating. Also use "
     "shade, hats and clothing, especially between 11 am and 3 pm."),
    (["How is eczema treated?",
      "what helps itchy dry eczema skin?"],
     "Eczema is treated mainly with emollients (moisturisers) applied generously and often, and used instead "
     "of soap. Flare-ups are treated with topical steroid creams or ointments for a short period. Avoiding "
     "triggers such as harsh soaps, wool and overheating helps, and infected eczema may need antibiotics."),
    (["What is psoriasis?",
      "red scaly patches on elbows and knees"],
     "Psoriasis is a long-term immune-related skin condition causing red, raised patches with silvery scales, "
     "often on the elbows, knees, scalp and lower back. It is not contagious. It is treated with emollients, "
     "steroid or vitamin D creams, light therapy and, for severe disease, tablets or injections. Some people "
     "develop psoriatic arthritis."),
    (["What causes conjunctivitis and how is it treated?",
      "pink eye treatment?"],
     "Conjunctivitis (pink eye) is inflammation of the clear layer covering the eye, usually caused by viruses, "
     "bacteria or allergy, and causes redness, grittiness and sticky discharge. Most infective cases clear within "
     "1 to 2 weeks without treatment; cleaning the eyelids helps. Seek urgent care for eye pain, light "
     "sensitivity or changes in vision."),
    (["What is glaucoma?",
      "why do they check my eye pressure?"],
     "Glaucoma is a group of eye conditions in which the optic nerve is damaged, often linked to raised pressure "
     "inside the eye. The common form develops slowly without symptoms, gradually reducing side vision, so "
     "regular eye tests are important. Treatment with eye drops, laser or surgery can prevent further loss."),
    (["What is a cataract?",
      "my vision is cloudy, could it be cataracts?"],
     "A cataract is clouding of the lens inside the eye, most often due to ageing. It causes blurry or cloudy "
     "vision, glare from lights and faded colours, developing slowly over years. When it affects daily life, it "
     "can be treated with a short operation to replace the lens."),
    (["What causes ringing in the ears?",
      "what is tinnitus?"],
     "Tinnitus is hearing sounds such as ringing, buzzing or humming that have no outside source. It is often "
     "linked to hearing loss, loud noise exposure, earwax or ear infections, and sometimes stress or medicines. "
     "Tinnitus in one ear only, pulsing in time with your heartbeat, or with sudden hearing loss should be "
     "checked promptly."),
    (["Does a sore throat need antibiotics?",
      "how do I treat a sore throat?"],
     "Most sore throats are caused by viruses and get better within a week without antibiotics. Painkillers, "
     "fluids and throat lozenges can help. Seek medical advice if you have difficulty swallowing or breathing, "
     "drooling, a high fever, or symptoms lasting more than a week."),
    (["How long does sinusitis last?",
      "do I need antibiotics for a sinus infection?"],
     "Most sinusitis follows a cold, is caused by a virus and gets better within 2 to 3 weeks without "
     "antibiotics. Painkillers, saline nasal rinses and warm compresses can ease symptoms. See a doctor if "
     "symptoms last more than 3 weeks, are severe, or come with swelling around the eyes or confusion."),
    (["What helps hay fever?",
      "how do I treat allergic rhinitis?"],
     "Hay fever symptoms such as sneezing, a runny nose and itchy eyes can be eased with non-drowsy "
     "antihistamines such as cetirizine or loratadine, and a steroid nasal spray, which works best if used "
     "daily before and through the pollen season. Keeping windows closed and showering after being outdoors "
     "also help."),
    (["Should I take folic acid when trying for a baby?",
      "how much folic acid in pregnancy?"],
     "Women trying to conceive are advised to take 400 micrograms of folic acid daily from before conception "
     "until 12 weeks of pregnancy, to reduce the risk of neural tube defects such as spina bifida. Some women, "
     "for example those with diabetes, epilepsy or a previous affected pregnancy, need a higher dose of 5 mg, "
     "prescribed by a doctor."),
    (["What are the symptoms of menopause?",
      "signs of perimenopause"],
     "Menopause is when periods stop for 12 months, usually between ages 45 and 55. Common symptoms around this "
     "time include hot flushes, night sweats, irregular periods, poor sleep, low mood, anxiety, vaginal dryness "
     "and reduced libido. Hormone replacement therapy and other treatments can help, so discuss troublesome "
     "symptoms with a doctor."),
    (["What is cervical screening?",
      "what is a smear test for?"],
     "Cervical screening (a smear test) checks a sample of cells from the cervix for high-risk HPV, the virus "
     "that causes most cervical cancers, and abnormal cells. It aims to find changes early, before cancer "
     "develops. It is offered regularly to women and people with a cervix, typically from their mid-20s to "
     "mid-60s."),
    (["When should I start bowel cancer screening?",
      "what is a FIT test?"],
     "Bowel cancer screening usually starts between ages 45 and 50, depending on the country. A common test is "
     "the FIT (faecal immunochemical test), a home stool test that detects hidden blood; a positive result is "
     "followed by a colonoscopy. Blood in the stool or a lasting change in bowel habit should be checked at any "
     "age."),
    (["What should I do if someone is having a seizure?",
      "first aid for epilepsy fit"],
     "Stay calm, move dangerous objects away, cushion their head and note the time. Do not restrain them or put "
     "anything in their mouth. When the jerking stops, roll them onto their side into the recovery position. "
     "Call emergency services if the seizure lasts more than 5 minutes, another follows, they are injured or it "
     "is their first seizure."),
    (["How do you do CPR on an adult?",
      "how many chest compressions per minute in CPR?"],
     "Call emergency services, then push hard and fast in the centre of the chest, about 5 to 6 cm deep, at 100 "
     "to 120 compressions per minute, letting the chest rise fully between pushes. If trained, give 2 rescue "
     "breaths after every 30 compressions; otherwise give continuous compressions. Use an AED as soon as one "
     "arrives and follow its instructions."),
    (["What do I do if an adult is choking?",
      "first aid for choking"],
     "If the person can cough, encourage them to keep coughing. If they cannot cough, speak or breathe, give up "
     "to 5 firm back blows between the shoulder blades, then up to 5 abdominal thrusts, and repeat. Call "
     "emergency services if the blockage does not clear, and start CPR if they become unresponsive."),
    (["What is the first aid for a burn?",
      "should I put butter on a burn?"],
     "Cool the burn under cool or lukewarm running water for 20 minutes as soon as possible, and remove "
     "jewellery or clothing near it unless stuck. Then cover it loosely with cling film or a clean plastic bag. "
     "Do not use ice, butter or creams. Seek medical help for large or deep burns, burns on the face, hands or "
     "genitals, and burns in children."),
    (["How do I stop a nosebleed?",
      "what to do for a nose bleed"],
     "Sit up, lean forward and pinch the soft part of the nose, just above the nostrils, for 10 to 15 minutes "
     "without letting go, breathing through the mouth. Do not lie down or tilt your head back. Seek urgent help "
     "if bleeding lasts more than 20 minutes, follows a head injury or is very heavy."),
    (["What are the signs of heatstroke?",
      "difference between heat exhaustion and heat stroke"],
     "Heat exhaustion causes heavy sweating, weakness, dizziness, headache, nausea and cramps, and usually "
     "improves within 30 minutes of cooling down and drinking water. Heatstroke is an emergency: body "
     "temperature rises to 40 °C or more and the person may become confused, stop sweating, collapse or have a "
     "seizure. Call emergency services and cool them quickly."),
    (["What are the signs of sepsis?",
      "how do I know if an infection has become sepsis?"],
     "Sepsis is a life-threatening reaction to an infection. Warning signs include confusion or slurred speech, "
     "fast breathing or breathlessness, a very fast heartbeat, mottled or bluish skin, shivering or very low or "
     "high temperature, and passing little or no urine. Call emergency services if you suspect sepsis."),
    (["What are the symptoms of meningitis?",
      "does a rash that doesn't fade mean meningitis?"],
     "Meningitis can cause fever, severe headache, a stiff neck, dislike of bright lights, vomiting, confusion "
     "and drowsiness. A rash that does not fade when a glass is pressed against it can be a sign of "
     "meningococcal sepsis. Babies may be floppy, irritable and refuse feeds. It is an emergency, so get medical "
     "help immediately."),
    (["What are the signs of a blood clot in the leg?",
      "what is DVT?"],
     "A deep vein thrombosis (DVT) usually causes pain, swelling, warmth and redness in one leg, often the calf. "
     "If part of the clot travels to the lungs (pulmonary embolism), it can cause sudden breathlessness, chest "
     "pain and coughing blood, which is an emergency. Suspected DVT should be assessed the same day."),
    (["How can I prevent blood clots on a long flight?",
      "DVT prevention when flying"],
     "On long journeys, walk around when you can, flex and stretch your calves and ankles while seated, drink "
     "enough water and avoid too much alcohol. People at higher risk, such as after recent surgery or a previous "
     "clot, may be advised to wear compression stockings or take other precautions, so ask a clinician before "
     "travelling."),
    (["Why do ACE inhibitors cause a cough?",
      "ramipril gives me a dry cough"],
     "ACE inhibitors such as ramipril and lisinopril cause a dry, tickly cough in about 1 in 10 people, because "
     "they increase levels of bradykinin in the airways. The cough is harmless but can be persistent. If it is "
     "troublesome, doctors usually switch to an angiotensin receptor blocker such as losartan, which rarely "
     "causes cough."),
    (["Can amlodipine cause ankle swelling?",
      "my ankles are swollen since starting amlodipine"],
     "Yes, ankle swelling is a common side effect of amlodipine and other calcium channel blockers, and it is "
     "more likely at higher doses. It is caused by widening of small blood vessels rather than fluid overload, "
     "so water tablets do not help much. Tell your doctor, who may lower the dose or change the medicine."),
    (["What are the side effects of beta blockers?",
      "bisoprolol makes me tired"],
     "Beta blockers such as bisoprolol slow the heart rate and can cause tiredness, cold hands and feet, "
     "dizziness and sometimes vivid dreams or erectile problems, especially in the first weeks. They can worsen "
     "asthma in some people. Do not stop them suddenly, because this can cause a rebound fast heartbeat or "
     "chest pain."),
    (["What does spironolactone do?",
      "why do I need blood tests on spironolactone?"],
     "Spironolactone is a diuretic that blocks the hormone aldosterone. It is used in heart failure, resistant "
     "high blood pressure and some liver and hormone conditions. It can raise potassium levels, especially with "
     "ACE inhibitors or kidney disease, so regular blood tests are needed and potassium-based salt substitutes "
     "should be avoided."),
    (["What are the side effects of empagliflozin or dapagliflozin?",
      "what are SGLT2 inhibitors?"],
     "SGLT2 inhibitors such as dapagliflozin and empagliflozin make the kidneys pass extra glucose in the urine. "
     "They help blood sugar and also protect the heart and kidneys. Common side effects are genital thrush and "
     "passing more urine. Rarely they cause ketoacidosis, so they are paused during acute illness or before "
     "surgery."),
    (["How should insulin be stored?",
      "does insulin need to go in the fridge?"],
     "Unopened insulin should be kept in the fridge at 2 to 8 °C and never frozen. The pen or vial in use can be "
     "kept at room temperature, below 25 to 30 °C depending on the product, for about 4 weeks. Keep it away from "
     "direct heat and sunlight, and do not use insulin that looks cloudy when it should be clear."),
    (["What are the side effects of semaglutide?",
      "how do GLP-1 injections like Ozempic work?"],
     "Semaglutide is a GLP-1 receptor agonist used for type 2 diabetes and weight management. It helps the body "
     "release insulin when glucose is high, slows stomach emptying and reduces appetite. The most common side "
     "effects are nausea, vomiting, diarrhoea and constipation, which are usually worst when starting or "
     "increasing the dose."),
    (["How should people with diabetes look after their feet?",
      "diabetic foot care tips"],
     "People with diabetes should check their feet every day for cuts, blisters, redness or swelling, because "
     "nerve damage can stop them feeling injuries. Wash and dry feet carefully, moisturise but not between the "
     "toes, wear well-fitting shoes and never walk barefoot. Have feet checked at least yearly and seek help "
     "quickly for any wound."),
    (["Why do diabetics need eye screening?",
      "what is diabetic retinopathy?"],
     "Diabetic retinopathy is damage to the blood vessels at the back of the eye caused by high blood sugar. It "
     "often has no symptoms until it is advanced, so people with diabetes are offered regular retinal screening, "
     "usually every 1 to 2 years. Good control of blood sugar and blood pressure lowers the risk."),
    (["Are generic medicines as good as brand names?",
      "is generic atorvastatin the same as Lipitor?"],
     "Generic medicines contain the same active ingredient at the same strength as the brand-name product and "
     "must be shown to work in the same way in the body. For example, generic atorvastatin is the same medicine "
     "as Lipitor. They may look different or contain different inactive ingredients, which rarely matters "
     "except with specific allergies."),
    (["What should I do if I miss a dose of my medicine?",
      "forgot to take my tablet this morning"],
     "For many medicines, take the missed dose as soon as you remember, unless it is nearly time for the next "
     "one; in that case skip it. Do not take a double dose to make up. Rules differ for some medicines, such as "
     "anticoagulants, insulin and the contraceptive pill, so check the leaflet or ask a pharmacist."),
    (["How much caffeine is safe?",
      "how many coffees a day is too many?"],
     "Up to about 400 mg of caffeine a day, roughly three to four mugs of brewed coffee, is considered safe for "
     "most healthy adults. Pregnant women are advised to keep below 200 mg a day. Too much caffeine can cause "
     "a fast heartbeat, anxiety, poor sleep and an upset stomach."),
    (["How much salt should I eat per day?",
      "what is the daily salt limit?"],
     "Adults are advised to eat no more than 5 to 6 g of salt a day, about one teaspoon. Most salt comes from "
     "processed foods such as bread, cheese, ready meals and processed meat rather than the salt shaker. Eating "
     "less salt lowers blood pressure and the risk of heart disease and stroke."),
    (["How much fibre should I eat?",
      "why is fibre good for you?"],
     "Adults are advised to eat about 30 g of fibre a day, but most people eat much less. Fibre from "
     "wholegrains, fruit, vegetables, beans and lentils helps prevent constipation and is linked to lower risk "
     "of heart disease, type 2 diabetes and bowel cancer. Increase fibre gradually and drink enough fluids."),
    (["What is angina?",
      "chest pain when I walk uphill that goes away with rest"],
     "Angina is chest pain or tightness caused by reduced blood flow to the heart muscle, usually due to "
     "narrowed coronary arteries. Stable angina typically comes on with exertion or stress and settles within "
     "minutes of rest or using a GTN spray. Chest pain at rest, or pain lasting longer than usual, needs "
     "emergency help because it may be a heart attack."),
    (["How do I use a GTN spray for angina?",
      "how to use glyceryl trinitrate spray"],
     "Sit down, then spray one or two puffs under your tongue and close your mouth. If the pain has not eased "
     "after 5 minutes, take a second dose. If the pain is still there 5 minutes after the second dose, call "
     "emergency services. GTN can cause a headache and light-headedness, which is why you should sit down."),
    (["What is a troponin test?",
      "why do they check troponin for chest pain?"],
     "Troponin is a protein released into the blood when heart muscle is damaged. It is measured when someone "
     "has chest pain to help diagnose or rule out a heart attack, often with two tests a few hours apart. Raised "
     "troponin can also occur with other conditions, such as heart inflammation, pulmonary embolism or kidney "
     "disease."),
    (["What is NT-proBNP?",
      "what does a high BNP mean?"],
     "BNP and NT-proBNP are hormones released by the heart when its walls are stretched by pressure or fluid. "
     "They are used to help diagnose heart failure in people with breathlessness; a normal result makes heart "
     "failure unlikely. Levels also rise with age, kidney disease and atrial fibrillation."),
    (["What is an ECG?",
      "what does an electrocardiogram show?"],
     "An ECG (electrocardiogram) records the heart's electrical activity using stickers on the chest, arms and "
     "legs. It is quick and painless. It shows the heart rate and rhythm and can reveal signs of heart attacks, "
     "strain or thickening of the heart muscle, and conduction problems."),
    (["What is an echocardiogram?",
      "what happens during an echo scan?"],
     "An echocardiogram is an ultrasound scan of the heart. A probe with gel is moved over the chest to show the "
     "heart chambers, valves and pumping, and it usually takes 30 to 60 minutes. It measures the ejection "
     "fraction and helps diagnose heart failure and valve disease. It is painless and uses no radiation."),
    (["What is spirometry?",
      "what does FEV1 mean?"],
     "Spirometry is a breathing test in which you blow out as hard and fast as you can into a device. It "
     "measures FEV1, the volume breathed out in the first second, and FVC, the total volume breathed out. A low "
     "FEV1/FVC ratio shows narrowed airways, as in asthma or COPD, and improvement after a reliever suggests "
     "asthma."),
    (["What is a peak flow meter?",
      "how do I use a peak flow meter?"],
     "A peak flow meter measures how fast you can blow air out of your lungs, in litres per minute. Stand or sit "
     "up straight, take a deep breath, seal your lips around the mouthpiece and blow as hard and fast as you "
     "can; record the best of three blows. Comparing readings with your personal best helps you spot worsening "
     "asthma."),
    (["What is a normal oxygen saturation?",
      "my pulse oximeter says 93%, is that low?"],
     "A normal oxygen saturation (SpO2) for most healthy people is 95 to 100 percent. A level of 92 percent or "
     "below, or a fall from your usual level, needs prompt medical advice, although some people with chronic "
     "lung disease have lower targets. Pulse oximeters can be less accurate on cold fingers, with nail varnish "
     "and on darker skin."),
    (["What does albumin in the urine mean?",
      "what is a urine ACR test?"],
     "The urine albumin:creatinine ratio (ACR) detects small amounts of the protein albumin leaking into urine, "
     "an early sign of kidney damage, especially in diabetes and high blood pressure. An ACR of 3 mg/mmol or "
     "higher is abnormal and is usually confirmed with a repeat sample. Treatment with blood pressure medicines "
     "such as ACE inhibitors can protect the kidneys."),
    (["What is a PSA test?",
      "should I have a PSA test for prostate cancer?"],
     "PSA (prostate-specific antigen) is a protein made by the prostate, measured with a blood test. A raised "
     "PSA can be caused by prostate cancer, but also by an enlarged prostate, infection or recent ejaculation, "
     "and some cancers do not raise it. Men considering the test should discuss its benefits and drawbacks with "
     "a doctor."),
    (["What are the early signs of dementia?",
      "my mum keeps forgetting things, could it be dementia?"],
     "Early signs of dementia include memory loss that affects daily life, such as forgetting recent events or "
     "repeating questions, difficulty planning or finding words, getting lost in familiar places and changes in "
     "mood or personality. Other causes of confusion, such as thyroid problems, low B12, infection, depression "
     "or medicines, should be checked."),
    (["What is chlamydia?",
      "can you have an STI without symptoms?"],
     "Chlamydia is a common sexually transmitted infection that often causes no symptoms, although it can cause "
     "discharge, pain when urinating or pelvic pain. Untreated it can lead to pelvic inflammatory disease and "
     "infertility. It is diagnosed with a urine or swab test and treated with antibiotics, usually doxycycline. "
     "Condoms reduce the risk."),
    (["How much weight do I need to lose to improve my health?",
      "is losing a small amount of weight worth it?"],
     "Losing just 5 to 10 percent of body weight, for example 5 to 10 kg for someone weighing 100 kg, can lower "
     "blood pressure, improve blood sugar and cholesterol, and reduce joint pain. A steady loss of 0.5 to 1 kg a "
     "week through diet changes and activity is more likely to be kept off."),
    (["How should I measure my blood pressure at home?",
      "tips for taking my own blood pressure"],
     "Use a validated upper-arm monitor with the right cuff size. Sit quietly for 5 minutes with your back "
     "supported, feet flat and arm resting at heart level, and avoid caffeine, smoking and exercise for 30 "
     "minutes beforehand. Take two readings a minute apart, morning and evening, and record them all."),
    (["Why do I feel dizzy when I stand up?",
      "what is orthostatic hypotension?"],
     "Dizziness on standing is often due to orthostatic hypotension, a drop in blood pressure when you get up. "
     "It can be caused by dehydration, blood pressure medicines, diuretics, prolonged bed rest or some nerve "
     "conditions, and is more common in older people. Stand up slowly, drink enough fluids and tell your doctor, "
     "especially if you fall or faint."),
    (["What should I do if someone faints?",
      "why do people faint?"],
     "Most faints are caused by a brief drop in blood flow to the brain, often triggered by standing for long, "
     "heat, pain or emotional shock. Lay the person down and raise their legs; they usually recover within a "
     "minute. Call emergency services if they do not wake quickly, are injured, have chest pain or palpitations, "
     "or fainted during exercise."),
]

HELD_OUT = [
    (["What is pre-eclampsia?"],
     "Pre-eclampsia is a condition in pregnancy, usually after 20 weeks, causing high blood pressure and protein "
     "in the urine. It can cause severe headache, vision problems, pain below the ribs and sudden swelling of "
     "the face, hands or feet. It can be dangerous for mother and baby, so these symptoms need urgent "
     "assessment."),
    (["What is coeliac disease?"],
     "Coeliac disease is an autoimmune condition in which eating gluten, found in wheat, barley and rye, damages "
     "the lining of the small intestine. It can cause diarrhoea, bloating, weight loss, tiredness and anaemia. "
     "It is diagnosed with blood tests and a gut biopsy while still eating gluten, and treated with a lifelong "
     "gluten-free diet."),
    (["what does a high uric acid level mean"],
     "A high uric acid level in the blood can lead to gout, where crystals form in joints, and to kidney "
     "stones, though many people with high levels never have symptoms. It is linked to kidney disease, "
     "diuretics, alcohol, obesity and diets rich in red meat and seafood. Treatment is usually only needed if "
     "gout or stones occur."),
    (["What are the symptoms of a kidney infection?"],
     "A kidney infection (pyelonephritis) usually causes fever, shivering, pain in the back or side below the "
     "ribs, nausea or vomiting, often with symptoms of a bladder infection such as burning when passing urine. "
     "It needs prompt antibiotic treatment, so see a doctor the same day."),
    (["Is it safe to take antihistamines every day?"],
     "Non-drowsy antihistamines such as cetirizine, loratadine and fexofenadine are generally safe for daily "
     "use in adults, for example through the hay fever season. Cetirizine can still cause drowsiness in some "
     "people. Older antihistamines such as chlorphenamine cause more sleepiness and should be used with care."),
    (["What is hepatitis B and how is it prevented?"],
     "Hepatitis B is a virus that infects the liver and spreads through blood and sexual contact, and from "
     "mother to baby at birth. Some people develop long-term infection, which can lead to cirrhosis and liver "
     "cancer. A safe and effective vaccine prevents it and is part of many routine childhood programmes."),
    (["how do i know if a cut needs stitches"],
     "A cut may need stitches or glue if it is deep, longer than about 1 to 2 cm, gaping, on the face or a "
     "joint, or keeps bleeding after 10 minutes of firm pressure. Also seek care for dirty wounds, animal bites, "
     "or numbness beyond the cut. Wounds are best closed within a few hours."),
    (["What are the symptoms of Parkinson's disease?"],
     "The main symptoms of Parkinson's disease are a tremor at rest, usually starting in one hand, slowness of "
     "movement and stiff muscles. Other features include small handwriting, a shuffling walk, reduced facial "
     "expression, loss of smell, constipation and sleep problems. It progresses slowly and medicines can "
     "improve symptoms."),
    (["What is a normal cholesterol level?"],
     "For healthy adults, a total cholesterol below 5.0 mmol/L (about 190 mg/dL) and an LDL cholesterol below "
     "3.0 mmol/L are generally considered desirable. Targets are lower for people with heart disease or "
     "diabetes. Doctors look at cholesterol together with age, blood pressure and smoking to estimate overall "
     "heart risk."),
    (["Can I drink alcohol while taking antibiotics?"],
     "With most common antibiotics, drinking a moderate amount of alcohol is unlikely to cause problems, though "
     "it may slow recovery. Metronidazole and tinidazole are exceptions: alcohol can cause severe nausea, "
     "vomiting, flushing and palpitations, so avoid it during treatment and for 48 hours afterwards. Check the "
     "leaflet for your antibiotic."),
    (["What are the symptoms of an ear infection?"],
     "A middle ear infection usually causes ear pain, a feeling of fullness, reduced hearing and sometimes "
     "fever; young children may pull at their ear and be irritable. Most get better within 3 days without "
     "antibiotics, and painkillers help. See a doctor for discharge from the ear, swelling behind the ear or "
     "symptoms lasting more than 3 days."),
    (["What is the HPV vaccine for?"],
     "The HPV vaccine protects against human papillomavirus types that cause most cervical cancers, as well as "
     "some cancers of the throat, anus and genitals, and genital warts. It works best when given before any "
     "exposure to the virus, so it is offered to young teenagers. Cervical screening is still needed later."),
    (["How long should I stay off work with flu?"],
     "Most people with flu feel better within about a week, though tiredness can last longer. Stay at home and "
     "avoid contact with others while you have a high temperature or feel unwell, and return when you feel well "
     "enough. Seek advice if you are breathless, have chest pain or are in a high-risk group."),
    (["What is a heart murmur?"],
     "A heart murmur is an extra sound heard through a stethoscope, caused by turbulent blood flow through the "
     "heart. Many murmurs are harmless, especially in children, but some are caused by valve problems such as "
     "narrowing or leaking. An echocardiogram is often used to find out whether a murmur needs treatment."),
    (["What does a low vitamin D level cause?"],
     "Low vitamin D can cause bone pain, muscle weakness and, over time, soft bones: rickets in children and "
     "osteomalacia in adults. It also increases the risk of osteoporosis and fractures. It is treated with "
     "vitamin D supplements, sometimes at a higher dose for a few weeks, followed by a daily maintenance dose."),
    (["Is it normal to have blood in my urine?"],
     "Blood in the urine is never normal and should always be checked by a doctor, even if it happens only once "
     "and is painless. It can be caused by infection, kidney stones or an enlarged prostate, but also by bladder "
     "or kidney cancer. Red urine can also come from beetroot or some medicines."),
    (["What is a hernia?"],
     "A hernia is when part of an organ or fatty tissue pushes through a weak spot in the muscle wall, often in "
     "the groin or near the belly button, causing a bulge that may ache. Many are repaired with surgery. A "
     "hernia that becomes very painful, firm, red or cannot be pushed back needs emergency care."),
    (["How is asthma diagnosed?"],
     "Asthma is diagnosed from typical symptoms such as wheeze, cough, chest tightness and breathlessness that "
     "come and go, together with tests. These include spirometry with a reversibility test, peak flow "
     "monitoring and sometimes a FeNO test, which measures airway inflammation. Symptoms that improve with "
     "asthma treatment support the diagnosis."),
    (["What is tonsillitis?"],
     "Tonsillitis is inflammation of the tonsils, usually caused by a virus and sometimes by bacteria. It causes "
     "a sore throat, pain on swallowing, fever and swollen tonsils, sometimes with white spots. Most cases get "
     "better within a week with rest, fluids and painkillers; antibiotics are only needed for some bacterial "
     "infections."),
    (["How often should adults have a dental check-up?"],
     "Most adults should have a dental check-up every 6 to 24 months, depending on how healthy their teeth and "
     "gums are; your dentist will advise. Brush twice a day for 2 minutes with fluoride toothpaste, clean "
     "between teeth, and limit sugary food and drinks. Bleeding gums can be an early sign of gum disease."),
]
