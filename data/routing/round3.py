"""Round-three cases for the routing dataset: TRAIN ONLY.

Written for medrouter from the route definitions in README.md for the error families that remained
after round two (under cross-validation and on dev): school science homework and idioms whose words
sound medical (out of scope), summaries of non-medical files while documents are uploaded (out of
scope), casual summarization requests about an uploaded medical file, and general medical questions
asked casually, about everyday bleeding or about taking two medicines together (medical_qa). No
sentence is taken or paraphrased from the dev split (a test in tests/router checks exact overlap).

`build(put, typoify, rng)` registers every example as train only and is called after
hard_cases.build, so no dev example moves and the earlier material's random stream is unchanged.
"""

OOS_SCIENCE = [
    "How many moles of oxygen are in 64 grams of O2?",
    "Calculate the molarity of 5 g of NaCl dissolved in 250 mL of water.",
    "What is the half-life of carbon-14 and how is it used to date fossils?",
    "Balance this equation: H2 + O2 -> H2O",
    "What is the pressure of 0.5 mol of gas at 300 K in a 2 L container?",
    "Explain Newton's second law with an example.",
    "how do i find the pH of a 0.01 M HCl solution",
    "What is the atomic mass of sodium?",
    "Why does ice float on water?",
    "Solve for x: 3x + 7 = 22",
    "What is the speed of sound in air at 20 degrees?",
    "How does a nuclear reactor control its chain reaction?",
    "What is the difference between an ionic and a covalent bond?",
    "What is Avogadro's number used for?",
    "Explain photosynthesis for my year 8 biology homework.",
    "What is the formula for kinetic energy?",
    "How do you calculate density from mass and volume?",
    "Why is the sky blue?",
    "What is the boiling point of ethanol?",
    "How many grams are in 2.5 moles of carbon dioxide?",
    "Explain Ohm's law with an example circuit.",
    "What is an isotope?",
    "how many molecules are in one mole of water",
    "What is the molar mass of glucose? (chemistry homework)",
    "Find the derivative of x^2 * sin(x).",
]

OOS_IDIOMS = [
    "What does 'cold feet' mean?",
    "Where does the phrase 'break a leg' come from?",
    "What does it mean to 'bite the bullet'?",
    "What does 'a shot in the arm' mean in business news?",
    "What does 'the cure is worse than the disease' mean as a saying?",
    "What does 'sick' mean in slang?",
    "What does it mean to have butterflies in your stomach before a speech?",
    "What does 'spitting image' mean?",
    "What does 'feeling blue' mean?",
    "what does 'getting under someone's skin' mean",
    "What does 'cost an arm and a leg' mean?",
    "What does 'blood is thicker than water' mean?",
    "What does 'heart of gold' mean?",
    "What does the expression 'a bitter pill to swallow' mean?",
    "origin of the phrase 'rule of thumb'",
    "What does it mean when the stock market 'catches a cold'?",
    "What does 'go viral' mean on social media?",
    "What does 'no pain, no gain' mean?",
    "What does 'a clean bill of health' mean in an audit report?",
    "What does 'paralysis by analysis' mean?",
    "What does 'tongue-in-cheek' mean?",
    "What does 'elbow grease' mean?",
    "What does it mean to call a new law 'toothless'?",
    "What does the idiom 'to have a chip on your shoulder' mean?",
    "What does 'break out in a cold sweat' mean in a novel?",
]

OOS_SUMMARY_WITH_DOCS = [
    "Summarize my uploaded meeting minutes.",
    "tl;dr of the lease I uploaded",
    "Give me the key points of the uploaded business plan.",
    "Summarise the short story I just uploaded.",
    "Can you condense the uploaded employee handbook?",
    "summary of my uploaded essay on the French revolution",
    "What are the main points of the uploaded quarterly sales report?",
    "Summarize the uploaded user manual for my washing machine.",
    "Condense the uploaded wedding speech into three lines.",
    "Give me the gist of the uploaded car insurance policy.",
    "key points of the uploaded research proposal on solar panels",
    "Summarize the uploaded travel itinerary.",
    "tl;dr the uploaded terms and conditions",
    "Summarize the uploaded transcript of our podcast episode.",
    "Summarise the uploaded screenplay draft.",
    "Give me a summary of the uploaded project status report.",
    "short version of the uploaded tenancy agreement please",
    "Summarize the poem I uploaded.",
    "What's the gist of the uploaded football club newsletter?",
    "Sum up the uploaded history lecture notes.",
]

SUM_CASUAL_DOCS = [
    "tl;dr my blood test pls",
    "short version of my scan report?",
    "boil down my discharge papers for me",
    "cliff notes of my hospital letter",
    "sum up what the cardiologist wrote",
    "give me the highlights of my lab results",
    "can u shorten my radiology report",
    "quick recap of the uploaded clinic letter",
    "just the main bits of my echo report pls",
    "explain my whole report in 3 bullet points",
    "I uploaded my test results, summary please",
    "what's the bottom line of the hospital letter I uploaded",
    "make my discharge summary shorter and simpler",
    "too long didn't read: my pathology report",
    "main takeaways from my ultrasound report?",
    "nutshell version of the letter from the hospital",
    "the thing from the doctor i uploaded, can you sum it up",
    "condense my physio assessment",
    "sum up my colonoscopy report in a few lines",
    "I don't get this long report I uploaded, can you summarise it",
    "key points from my eye clinic letter pls",
    "what does my uploaded report say, in short?",
    "gimme a quick overview of my MRI results",
    "shorter version of my GP letter please",
    "summary of the biopsy results I put in",
]

MED_CASUAL = [
    "whats lupus and is it serious",
    "why do wounds itch when they heal",
    "whats a normal resting heart rate",
    "how long does a cold usually last",
    "what does a high white cell count mean",
    "is 37.8 a fever",
    "why do i get headaches when im dehydrated",
    "what does cholesterol actually do in the body",
    "how does a vaccine work lol",
    "whats the diff between a viral and a bacterial infection",
    "can stress cause hair loss",
    "whats a normal blood sugar after eating",
    "does cracking knuckles cause arthritis",
    "what is sciatica exactly",
    "is it normal for a bruise to turn yellow",
    "how does the flu spread",
    "whats the point of a tetanus shot",
    "why does my heart race after coffee",
    "what do platelets do",
    "whats anemia and how do u get it",
    "is eczema contagious",
    "how long do antibiotics take to work",
    "what does a rheumatologist treat",
    "whats the difference between type 1 and type 2 diabetes",
    "what is endometriosis, in simple words",
    "is shingles the same thing as chickenpox",
    "why do my gums bleed when I brush",
    "how do you stop a nosebleed",
    "is some bleeding normal after a tooth is pulled",
    "why does a paper cut bleed so much",
    "can antihistamines and decongestants be taken together",
    "does alcohol interact with metronidazole",
    "is it safe in general to combine paracetamol with codeine",
    "can you take an antacid at the same time as other tablets",
    "why shouldn't grapefruit juice be mixed with some statins",
]


def build(put, typoify, rng):
    """Register the round-three examples. `put(text, label, tags, docs=False)` adds one train-only example."""

    for t in OOS_SCIENCE:
        put(t, "out_of_scope", ["homework"], docs=0.1)
    for t in OOS_IDIOMS:
        put(t, "out_of_scope", ["homonym"], docs=0.1)
    for t in OOS_SUMMARY_WITH_DOCS:
        put(t, "out_of_scope", ["nonmedical_summary", "uploaded_doc"], docs=True)
    for t in SUM_CASUAL_DOCS:
        put(t, "summarization", ["casual", "uploaded_doc"], docs=True)
    for t in MED_CASUAL:
        put(t, "medical_qa", ["casual"], docs=0.15)
    # typed in a hurry: a deterministic typo version of a sample of each in-scope pool
    for pool, label, docs in ((MED_CASUAL, "medical_qa", False), (SUM_CASUAL_DOCS, "summarization", True)):
        for t in rng.sample(pool, 10):
            try:
                put(typoify(t), label, ["typo"], docs=docs)
            except ValueError:
                continue
