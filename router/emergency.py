"""Emergency detection, independent of the route: whatever the route, an emergency gets the
urgent-care message first. Patterns are deliberately broad (a false alarm costs a banner; a miss
can cost a life), including questions about emergency conditions ("signs of a stroke") and the
most common phrasings in Spanish, French, German, Italian and Portuguese. Figurative or technical
uses of the same words ("kill the process", "stroke width", "unresponsive server") are removed
first. The router runs this on the user's own words, not on a pasted document whose history
mentions "chest pain" (see Router._emergency_text).

Suicide / self-harm, overdose and poisoning have per-language lists (en, de, fr, es, it, pt): first-person
and passive or indirect wording ("I don't want to wake up tomorrow", "everyone would be better off without
me", "I've been saving up my pills", "je veux en finir", "quiero desaparecer"), preparations (goodbye
letters), a whole box / a number of pills / a child into the medicine, household chemicals drunk or bitten.
On data/emergency/dev.jsonl (patterns + modes, no head) banner recall went suicide 2/37 -> 35/37, overdose
6/34 -> 29/34, poisoning 4/33 -> 32/33 (all 401: 85 -> 171), false banners on informational 32 -> 21 and
none 12 -> 10 of 208; no new hit on the routing train/dev/round-five requests not tagged emergency. Those
rows were read while writing the patterns, so dev overstates what unseen wording gets.
"""
from __future__ import annotations

import re


def _flat(by_language: dict[str, list[str]]) -> list[str]:
    return [p for patterns in by_language.values() for p in patterns]


# Medicines, as the object of "took a whole box of ...", "swallowed 30 ...": the words for pills in the six
# languages, common names, and drug-name endings no food or drink has (amitriptyline, clonazepam, oxycodone).
_MED = (r"(pills?|tablets?|tabs|capsules?|caps|meds|medicines?|medications?|painkillers?|antidepressants?|"
        r"sleeping (pills|tablets)|sleepers|paracetamol|acetaminophen|tylenol|panadol|ibuprofen|advil|nurofen|aspirins?|"
        r"codeine|co-codamol|tramadol|morphine|methadone|fentanyl|heroin|oxys?|oxycontin|xanax|valium|benzos?|lithium|"
        r"insulin|warfarin|digoxin|doliprane|sertraline|citalopram|escitalopram|mirtazapine|quetiapine|olanzapine|"
        r"lamotrigine|gabapentin|pregabalin|propranolol|metformin|amlodipine|zopiclone|zolpidem|promethazine|"
        r"diphenhydramine|benadryl|nytol|tachipirina|brufen|aulin|efferalgan|dafalgan|gelocatil|nolotil|"
        r"dipirona|rivotril|comprim[ée]s|\w*(tyline|xetine|zepam|zolam|codone|morphone|profen|azepine|pramine|"
        r"tiapine|apine|oprazole)|pastillas|p[ií]ldoras|tabletas|c[aá]psulas|comprimid[oa]s|medicamentos?|remedios|"
        r"calmantes|somn[ií]feros|ansiol[ií]ticos|antidepresivos|cachets|m[ée]dicaments|somnif[eè]res|g[ée]lules|"
        r"tabletten|pillen|medikamente|schlaftabletten|schmerzmittel|pastiglie|pasticche|compresse|pillole|farmaci|"
        r"sonniferi|rem[ée]dios|p[ií]lulas)")
# what follows "took too many": a medicine within a few words, or the end of the clause
_OF_MED = (r"(?=\s*($|[,.!?;:]|(and|now|then|last|this|earlier|an|about|at|yesterday|today|tonight)\b|\d)|"
           r"[^,.!?]{0,30}\b" + _MED + r"\b)")

# First-person (or a bystander's) overdose: a whole box, a number of pills, too many, a child into the pills.
_OVERDOSE: dict[str, list[str]] = {
    "en": [r"overdos",
           # "took too many / a handful / all my": of pills, or said on its own ("he took too many and ..."), not
           # "took too many photos", "took all my courage"
           r"(took|taken|swallowed|had|popped|done) (way |far |a lot |so many )?(too many|a (whole )?(bottle|pack|bunch|"
           r"handful)|all (my|the|of (my|the)))" + _OF_MED,
           r"took (about |around |like )?(?![12]\b)\d+ (of )?(my |the )?(pills|tablets|tylenol|paracetamol|acetaminophen|"
           r"ibuprofen|aspirin|sleeping pills)", r"swallowed (a bottle|all (my|the) pills|a bunch of pills)",
           # a whole strip / box / bottle / week's worth of a medicine
           r"(took|taken|swallowed|downed|necked|popped|ate|eaten|had) .{0,20}\b(strips?|box(es)?|bottles?|packs?|"
           r"packets?|blisters?|tubs?|handfuls?|loads?|bunch|week'?s worth|month'?s worth|days'? worth|all)\b.{0,25}\b"
           + _MED + r"\b",
           # a number of them (10 or more, not a dose in mg: "took 20 mg of diazepam" is a dose)
           r"(took|taken|swallowed|downed|popped|had) (about |around |like |over |maybe |at least |almost |nearly |"
           r"roughly )?([1-9]\d+|ten|twelve|fifteen|twenty|thirty|forty|fifty|a hundred)(?! ?(mg|mcg|ml|g|µg)\b) "
           r"(of )?(my |the |his |her |\w+'s )?(\w+ )?" + _MED + r"\b",
           r"\b(took|taken) (way |far )?too much\b" + _OF_MED,
           r"\b(i'?ve|i|i'?m) (just )?(taken|took|swallowed|had) (way |far )?too much (of )?(my |the )?" + _MED,
           r"\bod'(d|ed|ing)\b|\bod(ed|ing) on\b", r"\bo\.d\.?'?d\b",
           # a child (or anyone) got into the medicine cabinet
           r"got (into|hold of|at) .{0,30}\b" + _MED + r"\b",
           # alcohol with sedatives; opioids with the signs of an overdose
           r"mix(ed|ing)? (alcohol|booze|drink|drinks|vodka|wine) (with|and) .{0,20}\b" + _MED,
           r"mix(ed|ing)? .{0,20}\b" + _MED + r" (with|and) (alcohol|booze|drink|drinks|vodka|wine)\b",
           r"(heroin|fentanyl|opioids?|opiates?|oxys?|methadone|morphine|benzos?|xanax|ket|ketamine|pills|tablets)\b.{0,60}"
           r"(going blue|turning blue|barely breathing|breathing (is )?(really |very |so )?slow|pinpoint|won'?t wake|"
           r"not waking|can'?t wake|unresponsive|isn'?t responding|not responding)",
           r"(injected|shot up|snorted|smoked) .{0,20}(heroin|fentanyl|opioids?|oxys?|morphine|methadone)\b.{0,60}"
           r"(breath|blue|wake|respond|pupils)",
           r"(needs?|need to use|give (him|her) |gave (him|her) |have) (narcan|naloxone)\b.{0,30}(what|now|help|how)",
           r"won'?t wake (after|since) (taking|he took|she took|they took) "],
    "de": [r"überdosis", r"(ganze|komplette|volle) (packung|schachtel|dose|flasche|blister|tüte)\b.{0,30}"
           r"(genommen|geschluckt|eingenommen)",
           r"(zu viele|viele|alle|\d\d+) (\w+ )?(tabletten|pillen|medikamente|schlaftabletten|schmerzmittel)\b.{0,20}"
           r"(genommen|geschluckt|eingenommen)", r"heroin (gespritzt|genommen)|sich heroin gespritzt"],
    "fr": [r"surdos", r"(avalé|pris|ingéré) (toute une|toute la|une|un|deux|trois|plusieurs) (boîte|plaquette|flacon|"
           r"tube|paquet)s?\b", r"(avalé|pris|ingéré) (trop de|tou(te)?s (mes|ses|les)|plein de) .{0,15}" + _MED,
           r"(avalé|pris) ([1-9]\d+) " + _MED],
    "es": [r"sobredosis", r"(tom[eéoó]|tomado|trag[oóeé]\w*|ingiri[oó]|ingerido|se ha tomado) (una caja|un bote|un frasco|"
           r"un blíster|una tira|un puñado)\b", r"(tom[eéoó]|tomado|trag[oóeé]\w*|ingiri[oó]|ingerido) (muchas|muchos|"
           r"demasiad[oa]s|tod[oa]s (las|los|mis|sus)|([1-9]\d+)) (de )?" + _MED],
    "it": [r"(preso|ingerito|inghiottito|ingoiato|mandato giù) (troppe|troppi|tutte (le|sue|mie)|tutti (i|suoi|miei)|"
           r"una scatola|un flacone|un blister|una confezione|un'intera confezione|([1-9]\d+))\b.{0,25}" + _MED],
    "pt": [r"sobredosagem|superdosagem", r"(tomou|tomei|engoliu|engoli|ingeriu|ingeri) (uma caixa|um frasco|uma cartela|"
           r"todos os|todas as|muitos|muitas|([1-9]\d+))\b.{0,25}" + _MED,
           r"(engoliu|comeu|pegou) (os|as) .{0,20}" + _MED],
}

# Household chemicals, batteries, plants, fumes: swallowed, drunk, bitten, breathed.
_SUBSTANCE = (r"(bleach|detergent|antifreeze|anti-freeze|drain (cleaner|unblocker)|oven cleaner|window cleaner|"
              r"toilet cleaner|glass cleaner|cleaning (product|fluid|spray|liquid)|disinfectant|dishwasher (liquid|tablet|"
              r"pod|detergent|powder)|washing[- ]up liquid|dish soap|laundry (pod|capsule|tablet|liquid|detergent)|"
              r"fabric softener|lamp oil|paraffin|kerosene|petrol|gasoline|white spirit|paint thinner|turpentine|"
              r"screen ?wash|windscreen wash|rat poison|weed ?killer|insecticide|pesticide|slug pellets|vape (liquid|juice|"
              r"refill)|e-liquid|nicotine (pouch(es)?|liquid|gum|patch(es)?)|ammonia|caustic soda|lye|nail polish remover|"
              r"acetone|methanol|poison|button batter(y|ies)|batter(y|ies)|magnets?)")
_POISONING: dict[str, list[str]] = {
    "en": [r"swallowed (a |some )?(button )?batter(y|ies)", r"button batter", r"carbon monoxide",
           r"(drank|drunk|drink|swallowed|ate|eaten|chewed|chewing|bit into|bitten|licked|sucked|sipped|gulped|"
           r"got into|drinking|eating|had a (sip|mouthful|swig|gulp) of|had some) .{0,25}?\b" + _SUBSTANCE,
           r"\bpoison(ed|ing)\b",
           # carbon monoxide by its alarm and by its signs beside a fuel-burning appliance
           r"\bco (alarm|detector|monitor)\b",
           r"(headaches?|drowsy|dizzy|confused|sleepy|nause\w+|feel(s|ing)? sick|hard to (rouse|wake)).{0,80}"
           r"(boiler|gas heater|generator|furnace|gas fire|charcoal|bbq|barbecue|fumes|exhaust)",
           r"(boiler|gas heater|generator|furnace|gas fire|charcoal|bbq|barbecue|exhaust)\b.{0,80}(headaches?|drowsy|"
           r"dizzy|confused|hard to (rouse|wake)|sleepy)",
           # plants and mushrooms picked wild
           r"(ate|eaten|eating|chewed|swallowed) (a |an |some |two |few |a few )?(wild |unknown |strange )?(mushroom|"
           r"toadstool|berr(y|ies)|plant|leaves|leaf|seeds?)s? (from|off|in|on) (a|the|our|my|his|her) (garden|bush|"
           r"park|woods?|forest|hedge|field|tree|yard|path)",
           r"(ate|eaten|eating|picked|foraged|foraging) .{0,40}(mushrooms?|berries|toadstools?|wild garlic|hemlock|"
           r"foxglove).{0,60}(vomit|sick|dizzy|racing|drowsy|pain|diarr|sweat|flushed)",
           r"mushrooms? (he|she|we|i|they) (had )?(picked|found|foraged)", r"foraging .{0,60}(vomit|sick|dizzy|racing)",
           r"mix(ed|ing)? bleach (and|with) (ammonia|vinegar|acid|toilet cleaner)",
           r"(insecticide|pesticide|weed ?killer|organophosph\w*|fumes|chemicals?)\b.{0,60}(sweating|drooling|vomit|"
           r"dizzy|hard to breathe|can'?t breathe|confused|pupils|faint|wheez|burning)",
           r"(homemade|home-made|moonshine|bootleg) .{0,40}(vision|blind|blurry)"],
    "de": [r"vergift(et|ung)", r"kohlenmonoxid", r"co-?melder",
           r"(reiniger|spülmittel|waschmittel|putzmittel|bleiche|chlor|frostschutz\w*|lampenöl|petroleum|benzin|"
           r"verdünner|rattengift|gift|knopfbatterie|batterie|waschmittelkapsel\w*|spültab\w*|nikotin\w*|liquid|"
           r"pilze|beeren)\b.{0,20}(getrunken|geschluckt|gegessen|verschluckt|erwischt|probiert)",
           r"(getrunken|geschluckt|verschluckt|trank|schluckte)\b.{0,20}(reiniger|spülmittel|waschmittel|putzmittel|"
           r"bleiche|frostschutz|lampenöl|benzin|rattengift|gift|knopfbatterie|batterie)"],
    "fr": [r"intoxiqu|intoxication", r"empoisonn", r"monoxyde de carbone",
           r"(bu|avalé|ingéré|mangé|croqué|léché|mâché|mordu) .{0,25}(javel|détergent|lessive|produit (ménager|vaisselle|"
           r"d'entretien|de nettoyage)|déboucheur|antigel|pétrole|essence|white spirit|mort-aux-rats|raticide|poison|"
           r"pile|champignons (cueillis|sauvages|ramassés|du jardin)|baies)"],
    "es": [r"intoxica", r"envenen", r"mon[oó]xido de carbono",
           r"(tom[oóeé]|tomado|bebi[oó]|beb[ií]|bebido|trag[oóeé]\w*|ingiri[oó]|ingerido|comi[oó]|com[ií]|comido|"
           r"mordi[oó]|chup[oó]|lami[oó]) .{0,25}(lej[ií]a|cloro|detergente|lavavajillas|suavizante|desatascador|"
           r"desengrasante|anticongelante|gasolina|queroseno|aguarr[aá]s|veneno|raticida|matarratas|insecticida|"
           r"pila|setas|hongos|bayas|amon[ií]aco)"],
    "it": [r"intossica", r"avvelen", r"monossido di carbonio",
           r"(bevuto|ingerito|inghiottito|mangiato|ingoiato|leccato|morso|morsicato) .{0,25}(candeggina|varechina|"
           r"detersivo|detergente|ammoniaca|sgorgatore|antigelo|benzina|petrolio|acquaragia|veleno|topicida|pila|"
           r"batteria|funghi|bacche)"],
    "pt": [r"intoxica", r"envenen", r"mon[oó]xido de carbono",
           r"(bebeu|bebi|engoliu|engoli|ingeriu|ingeri|comeu|comi|mordeu|mordi|lambeu|tomou|tomei) .{0,25}(água "
           r"sanitária|lixívia|cloro|detergente|sab[aã]o|desentupidor|soda c[aá]ustica|anticongelante|gasolina|"
           r"querosene|veneno|raticida|chumbinho|inseticida|pilha|bateria|cogumelos)"],
}

# Suicide and self-harm as people say it of themselves: direct, passive ("I don't want to wake up"),
# indirect ("everyone would be better off without me"), preparations (pills saved up, goodbye letters).
# _SELF_HARM_FIRST_PERSON is also what keeps such a statement urgent inside a question (emergency_mode).
_SELF_HARM_FIRST_PERSON: dict[str, list[str]] = {
    "en": [r"kill(ing)? myself", r"end(ing)? (it all|my (own )?life)", r"tak(e|ing) my (own )?life",
           r"(i'?m|i am) (so )?done with (life|living|it all|being alive)",
           r"(want(ed|ing)?|wanna) (to )?die\b", r"(don'?t|do not|no longer) want to (live|be alive|be here|wake up|"
           r"exist|go on)", r"(want(ed)?|going|thinking|thoughts|might|urge|tempted)\w* (of |about |to |on )?(hurt|harm|"
           r"cut)(ing)? myself", r"(cut(ting)?|hurt(ing)?|burn(ing)?|harm(ing)?) myself (again|deeper|on purpose)",
           r"keep (cutting|hurting|harming|burning) myself",
           r"no reason (for me )?to (live|go on|keep going)", r"no point (in )?(living|going on|being alive|carrying on)",
           r"(go to sleep|sleep|fall asleep) and (not|never) wake up", r"better off (dead|without me)", r"better without me",
           r"(no ?one|nobody|no-one|people|anyone)( would| will|'d)( even)? (notice|care|miss me)\w* (if|when) i "
           r"('m |was |were |am )?(gone|dead|died|disappeared|vanished|wasn'?t here|not here|killed)",
           r"wouldn'?t (notice|care|miss me) if i (disappeared|died|was gone|were gone|was dead)",
           r"wish(ed)? i (was|were) (dead|never born)|wish i (could )?(just )?(die|not wake up|never wake up|"
           r"wouldn'?t wake up|could disappear|could sleep forever)|wish i had never been born",
           r"(can'?t|cannot|can not) go on (any ?more|living|like this any ?more)|can'?t keep living",
           r"(don'?t|do not|can'?t) see (the |any )?point (in |of )?(living|going on|life|being alive|any ?more)",
           r"(life|living|my life)( is|'s)? (not|isn'?t|ain'?t) worth (living|it any ?more)|not worth living",
           r"(tired|sick) of (living|being alive)\b", r"want (it all|everything|the pain|it) to (end|stop) "
           r"(forever|for good|permanently)|want it all to (end|be over)",
           r"(planning|plan|plans|thinking about|think about|thoughts of|going to|gonna|want to|decided to|ready to) "
           r"(how (to|i'?ll|i will) )?end(ing)? it\b(?! (with|off|there|here|early|now with))",
           r"(saving up|saved up|been saving|stockpil\w+|hoard\w*|stash\w*|been collecting) (all )?(my |the |some )?(\w+ )?"
           + _MED + r"\b(?! (from|at) the)",
           r"(looked up|looking up|googl\w+|search\w*|research\w*) how (many|much) .{0,40}(would|it'?d|it would) (take|kill)",
           r"enough (\w+ )?" + _MED + r" to (make sure|do it|end it|kill me|not wake up|die)",
           r"(wrote|written|writing|left|finished) (my |a |the |some )?(goodbye|farewell) (letters?|notes?)|"
           r"goodbye letters", r"(wrote|written|left) a note for .{0,30} to find",
           r"i'?ve said (all )?my goodbyes\b(?! to (my|the) (colleagues|team|class))",
           r"(know|decided|planned|worked out) (how|when|where) i('?ll| will| am going to|'?m going to|'?m gonna) do it",
           r"(i'?m|i am) (standing|sitting) on (the|a) (bridge|ledge|roof|edge|railing)",
           r"(going|gonna|about|want|ready) to jump (off|from|in front of) (the|a|this|my) (bridge|roof|building|ledge|"
           r"balcony|train|tracks|window|car park)", r"(rope|noose) (is )?(ready|around my neck|tied)|tied a noose",
           r"(thinking|thought|thoughts|urge|tempted|want)\w* (about |of |to )?(driv(e|ing)|crash(ing)?|steer(ing)?) "
           r"(my car )?(into|off) (a |the )?(wall|tree|bridge|cliff|road|lorry|truck|oncoming)",
           r"(in|sitting in) the (car|garage)\b.{0,40}engine (is )?running",
           r"won'?t (need|be needing) (them|it|this|anything|my \w+) (after|any ?more|where i'?m going)",
           r"\bkms (tonight|now|today|fr|rn)\b|\b(gonna|going to|want to|wanna|might|should|about to) kms\b",
           r"i (just )?want to disappear (forever|for good|and never come back)"],
    "de": [r"ich will (nicht mehr leben|sterben)", r"(ich )?(möchte|will) (nicht mehr (leben|weiterleben|aufwachen)|"
           r"sterben|tot sein)", r"kann (so )?nicht mehr (weiterleben|leben)", r"ich will nicht mehr\s*[.!,]?$",
           r"mich (umbringen|umzubringen|töten|zu töten)|bringe mich um\b", r"mir das leben (zu )?nehmen",
           r"(besser|leichter) (dran )?ohne mich", r"abschiedsbrief",
           r"(tabletten|pillen|medikamente|schlaftabletten) (gesammelt|gehortet|gebunkert|aufgespart)",
           r"\b(will|werde|möchte|wollte)\b(?:(?!\bmit\b).){0,25}\bschluss machen\b", r"mit (allem|dem leben) schluss",
           r"mich (selbst )?(verletzen|ritzen|verletzt|geritzt)|ritze mich", r"lebensmüde"],
    "fr": [r"je veux mourir", r"me suicider", r"(veux|vais|voudrais|envie d'|pense à|penser à|décidé d') ?en finir\b"
           r"(?! avec (ce|cet|cette|ces|mon|ma|mes|le|la|les) (projet|dossier|travail|boulot|rapport|problème|histoire|"
           r"relation)s?\b)",
           r"mettre fin à (mes jours|ma vie)", r"je (vais|veux|voudrais) me tuer|envie de me tuer|me foutre en l'air",
           r"(ne )?veux plus vivre|plus envie de vivre|envie de mourir|je voudrais mourir|veux plus me réveiller",
           r"je veux disparaître", r"mieux sans moi", r"lettres? d'adieu|mots? d'adieu",
           r"me faire du mal|me scarifi|m'automutil|me mutiler",
           r"(gardé|accumulé|mis de côté|stocké|économisé) (tous |toutes )?(mes|des) (médicaments|cachets|comprimés|"
           r"pilules)"],
    "es": [r"quiero morir(me)?", r"me quiero matar|quiero matarme|voy a matarme|me voy a matar",
           r"quitarme la vida|(voy a|quiero) quitarme la vida", r"(ya )?no quiero (vivir|seguir viviendo|despertar)",
           r"quiero desaparecer", r"acabar con (mi vida|todo(?! (el|la|los|las|lo|esto|eso)\b))",
           r"mejor sin m[ií]", r"cartas? de despedida|notas? de despedida", r"no puedo (más|seguir) (vivir|viviendo)",
           r"(guardando|juntando|acumulando|guardado|juntado|acumulado) (las |mis |unas )?(pastillas|medicamentos)",
           r"voy a (saltar|tirarme)\b(?! (en|al agua|a la piscina|de alegría))", r"hacerme daño|autolesi"],
    "it": [r"voglio morire", r"(la faccio|farla|farò la) finita(?! con (questo|questa|il|lo|la|le|i|gli)\b)",
           r"non ce la faccio più a (vivere|andare avanti)", r"non voglio più (vivere|svegliarmi)", r"voglio sparire",
           r"uccidermi|ammazzarmi(?! di)|togliermi la vita|mi (uccido|ammazzo)(?! di)",
           r"meglio (per tutti )?senza (di )?me|(se|che) non ci fossi più", r"letter[ae] d'addio|biglietto d'addio",
           r"farmi del male|mi faccio del male|tagliarmi(?! i capelli)|autolesion"],
    "pt": [r"quero morrer", r"(não quero|nao quero) mais viver|quero sumir|quero desaparecer",
           r"me matar|matar-me|tirar (a )?minha (própria )?vida", r"acabar com (a minha vida|minha vida|tudo(?! (o|a|os|as|isso)\b))",
           r"melhor sem mim", r"(não|nao) aguento mais viver",
           r"(separei|guardei|juntei|juntando|guardando|acumulando|acumulei) (os |as |meus |minhas |uns |umas )?"
           r"(comprimidos|remédios|pílulas|medicamentos)", r"me (machucar|cortar)\b|autoles"],
}
_SUICIDE: list[str] = [
    r"suicid", r"suizid|selbstmord", r"self[- ]harm",
    # someone with the speaker
    r"kill(ing)? (him|her|them)sel(f|ves)\b", r"wants to die", r"(threaten\w*|talking about|talks about) (to )?"
    r"(kill(ing)? (him|her|them)self|end(ing)? (his|her|their) life|suicide)",
    r"(he|she|they)('s| is|'re| are) (going|gonna|about|threatening) to jump",
    r"goodbye (message|text|note|post|letter)\b.{0,60}(can'?t find|not answering|isn'?t answering|won'?t answer|"
    r"not picking up|no answer|not replying|ne répond)", r"(message|sms|texto) d'adieu\b.{0,40}(répond (plus|pas)|"
    r"injoignable|introuvable)",
] + _flat(_SELF_HARM_FIRST_PERSON)
_OVERDOSE = _flat(_OVERDOSE)
_POISONING = _flat(_POISONING)

# kind -> patterns (matched on lower-cased, whitespace-collapsed text)
EMERGENCY_PATTERNS: dict[str, list[str]] = {
    "chest_pain": [r"chest (pain|pressure|tightness|hurts?|is (tight|hurting))", r"pain in (my|the|his|her) chest",
                   r"heart attack", r"crushing (pain|pressure)", r"tight(ness)? (in|across) (my|the) chest",
                   r"pain (spreading|radiating|going) (to|down|into) (my |his |her )?(left )?(arm|jaw)",
                   # es / pt / fr / de / it
                   r"dolor (de|en el) pecho", r"me duele (mucho |bastante )?el pecho", r"dor no peito",
                   r"douleur (à|a|dans) la poitrine", r"mal (à|a) la poitrine", r"brustschmerz",
                   r"schmerzen in der brust", r"dolore al petto", r"infarto", r"crise cardiaque"],
    "stroke": [r"face (is )?(droop|drooping|numb)", r"drooping (face|mouth)", r"slurr(ed|ing) (speech|words)",
               r"can'?t (speak|talk) (properly|clearly|right)", r"sudden (numbness|weakness|confusion|loss of vision)",
               r"one side of (my|his|her|the) (body|face)", r"\bstrokes?\b", r"worst headache",
               r"\bfast test\b", r"headache .{0,40}(emergency|er\b|a&e)",
               r"ne peut plus parler", r"paralys", r"schlaganfall", r"\bictus\b", r"\bderrame\b", r"\bavc\b"],
    "breathing": [r"can'?t breathe", r"cannot breathe", r"can'?t catch (my|his|her) breath", r"struggling to breathe",
                  r"short(ness)? of breath .{0,30}(sudden|severe|at rest|can'?t)", r"can'?t lie flat",
                  r"choking", r"lips (are |turning |going )?blue", r"pulmonary embol", r"\bblood clot in (my|the) lung",
                  r"no puedo respirar", r"me cuesta respirar", r"não consigo respirar", r"je n'?arrive pas (à|a) respirer",
                  r"ne respire plus", r"kann nicht atmen", r"atemnot", r"non riesco a respirare",
                  # too breathless to speak in sentences: a red flag of severe asthma
                  r"(can only|can'?t|cannot|unable to) (get out|say|speak|talk) (one|a|a few) words? at a time",
                  r"(can'?t|cannot|unable to) (speak|talk|finish|complete) (in )?(full|whole|complete) sentences",
                  r"too (breathless|out of breath) to (speak|talk)"],
    "anaphylaxis": [r"anaphyla", r"epi-?pen", r"throat (feels |is )?(tight|closing|swelling|swollen)",
                    r"(tongue|lips?|face) (is |are )?(swelling|swollen)", r"allergic reaction .{0,30}(breath|throat|swell)"],
    "overdose": _OVERDOSE,
    "poisoning": _POISONING,
    "suicide": _SUICIDE,
    "bleeding": [r"bleeding (heavily|a lot|badly|won'?t stop|that won'?t stop)", r"won'?t stop bleeding",
                 r"coughing (up )?blood", r"vomiting blood", r"throwing up blood", r"blood in (my|his|her) vomit"],
    "unconscious": [r"unconscious", r"(won'?t|can'?t|doesn'?t|does not) wake up", r"(won'?t|can'?t|cannot|couldn'?t) (wake|rouse) (him|her|them)\b",
                    r"\b(he|she)('s| is) not waking( up)?", r"not breathing", r"unresponsive", r"passed out", r"collapsed",
                    r"hit (my|his|her) head .{0,60}(blood thinner|warfarin|anticoagul|vomit|confus)",
                    r"(blood thinner|warfarin).{0,60}hit (my|his|her) head"],
    "seizure": [r"seizure (that )?(won'?t|doesn'?t|did not|didn'?t) stop", r"having a seizure", r"fitting and won'?t stop",
                r"first (ever )?seizure"],
    "severe_infection": [r"sepsis", r"septic", r"meningitis", r"fever .{0,40}(confused|confusion|stiff neck|rash)",
                         r"(confused|confusion|stiff neck) .{0,40}fever"],
    "diabetic": [r"ketoacidosis", r"\bdka\b", r"blood sugar (is |of |says |reads |meter says )?([4-9]\d\d|[3-9]\d\.\d)",
                 r"(meter|glucose|sugar) says ([4-9]\d\d)", r"hypo .{0,20}(unconscious|can'?t swallow|confused)"],
}

# Phrases that use the same words with no emergency; removed before matching.
_NEGATIVE = [
    r"kill(ing|ed|s)? (-9 |all |off )?(the|a|this|that|my|our|every|child|zombie|stuck|hung)? ?"
    r"(process|processes|job|jobs|task|tasks|thread|threads|server|session|container|pod|app|tab|query|pid)",
    r"\bkill -\d+", r"pkill|killall|sigkill",
    r"stroke[- ](of (genius|luck|midnight|a pen)|width|count|color|colour|order|style|rate)",
    r"(brush|pen|paint|key|back|breast|swim(ming)?|golf|tennis|master|heat ?sink) ?strokes?",
    r"heart attack (grill|burger)", r"(giv(e|es|ing)|gave) me a heart attack", r"(nearly|almost) had a heart attack",
    r"choking hazard", r"unconscious bias",
    r"(server|app|page|script|website|site|ui|browser|program|process|screen|system|computer|phone|laptop|"
    r"mouse|keyboard|service|node|pod|container|vm|database|api|endpoint|tab) (is |was |went |became |keeps going )?"
    r"(completely )?unresponsive", r"unresponsive (script|page|app|server|ui|tab|program)",
    r"suicide (squad|doors?|burpees?|sprints?|runs?|lane|mission|pact song)",
    r"(battery|phone|laptop|server|build|app|plant|car) (has )?(died|collapsed)", r"collapsed (section|menu|panel|row|view|state)",
    r"poison(ed|ing)? (pill|the well|the cache|dns|arp|cache)", r"(dns|cache|arp|data|model) poisoning",
    # food poisoning is a stomach bug, not a poison centre's call (its red flags are on its page)
    r"food[- ]?poison(ed|ing)?", r"lebensmittelvergiftung", r"intoxication alimentaire", r"intoxicaci[oó]n alimentaria",
    r"intossicazione alimentare", r"intoxica[cç][aã]o alimentar",
    r"passed out (flyers|leaflets|the|copies|invitations)",
    r"(want(ed|ing)?|wanna|could|gonna|going to|about to) (to )?die (of|from) (embarrassment|shame|laughter|laughing|"
    r"boredom|cringe)", r"die laughing",
    r"overdos(ed|ing) on (christmas|films?|movies?|tv|netflix|box ?sets?|reality tv|music|memes|nostalgia|cheese|"
    r"chocolate|sun|pizza|cake)",
    r"poison(ed|s|ing)? (the )?(team|atmosphere|mood|relationship|debate|discussion|culture|office|conversation|"
    r"friendship|marriage|minds?)",
]

_COMPILED = {k: re.compile("|".join(f"(?:{p})" for p in v)) for k, v in EMERGENCY_PATTERNS.items()}
_NEG = re.compile("|".join(f"(?:{p})" for p in _NEGATIVE))


def _prepare(text: str) -> str:
    return _NEG.sub(" ", " ".join(text.lower().replace("’", "'").split()))


def detect_emergency(text: str) -> str | None:
    """Return the emergency kind (e.g. 'chest_pain') or None."""
    t = _prepare(text)
    for kind, pattern in _COMPILED.items():
        if pattern.search(t):
            return kind
    return None


# ---- urgent or informational -------------------------------------------------------------------
# Someone describing an emergency gets the urgent banner for its kind; someone asking *about* an
# emergency condition ("What are the warning signs of a stroke?", "What is sepsis?") gets the answer
# and a one-line pointer. Urgent is the default: only a request that reads as a general question,
# and says nothing about a person it is happening to now, is informational.
URGENT, INFORMATIONAL = "urgent", "informational"

# hypothetical clauses speak of nobody in particular: "what should I do if someone has a seizure"
_HYPOTHETICAL = re.compile(
    r"\b(if|when|whether|in case)\s+(someone|somebody|anyone|a person|a child|a baby|people|you|your\b[^,.?!]*|a (friend|"
    r"relative|family member|colleague|patient))\b[^,.?!]*|\bhow (do|can|would|should|could) (i|you|we) "
    r"(know|tell|recogni[sz]e|spot|help|support|check)\b|\bwhat (should|do|can|would) (i|you|we) do\b|"
    r"\bhow (can|do) i (help|support)\b[^,.?!]*|\bsi (alguien|una persona|quelqu'un|qualcuno|jemand)\b[^,.?!]*|"
    r"\bwhat (should|do|can|would) (i|you|we) say\b|\bif (i|we) (find|see|come across|witness|notice|think|suspect) "
    r"(that )?(someone|somebody|anyone|a person|a child|a baby|people)\b[^,.?!]*|"
    r"\b(wie|woran) (erkenne|helfe|unterstütze|spreche|erkennt man|kann ich)\b( ich)?|"
    r"\bse (un|una|uno) (amic[oa]|bambin[oa]|persona|ragazz[oa]|figli[oa])\b[^,.?!]*|\bse qualcuno\b[^,.?!]*")
# a person it is happening to: the speaker, or someone with them
_PERSON = re.compile(
    r"\b(i|i'm|im|i've|ive|i'd|me|my|mine|myself|we|we're|us|our)\b|"
    r"\b(he|she|he's|she's|him|his|her|they're)\b|"
    r"\b(yo|me|mi|mis|je|j'|moi|mon|ma|mes|ich|mir|mich|mein|meine|meinem|meiner|io|mio|mia|eu|meu|minha)\b")
# ways of asking that put the speaker in the sentence without anything happening to them
_ASKING = re.compile(r"\b(can|could|would|will) you (please )?(tell|explain|show|give|help) me\b|\btell me\b|"
                     r"\bexplain (to me|me)\b|\bi (want|need|would like|'d like) to (know|understand|learn)\b|"
                     r"\bi('m| am) (curious|wondering)\b|\bi (read|heard|saw)\b|\bmy (teacher|textbook|class|course)\b|"
                     r"\bwhere (should|do|can|would) (i|we) (put|place|install|fit|buy|get|keep)\b")
# what a person says of themselves, even inside a question ("is it normal to want to die?")
_SELF_HARM_PHRASES = re.compile(r"want(ed|ing)? to die|kill(ing)? myself|end(ing)? (it all|my (own )?life)|take my (own )?life|"
                                r"better off (dead|without me)|no reason to live|(don'?t|do not|no longer) want to (live|be)|"
                                r"hurt(ing)? myself|harm(ing)? myself|cut(ting)? myself|quiero morir|je veux mourir|"
                                r"ich will (nicht mehr leben|sterben)|voglio morire|quero morrer|me quiero matar|"
                                + "|".join(f"(?:{p})" for p in _flat(_SELF_HARM_FIRST_PERSON)))
_NOW = re.compile(r"\b(right now|now|just|currently|at the moment|tonight|this morning|ago|since|keeps?|won't|can't)\b")
_ITALIAN_QUESTION = re.compile(r"\s*(quali|quale|qual|come|cosa|che cosa|perch[eé]|quando|quanto|quanti|quante|cos'[eè]|"
                               r"esiste|esistono|ci sono)\b")
# the request reads as a general question about the condition
_QUESTION = re.compile(
    r"^(what|what's|whats|how|why|when|which|who|where|is|are|can|could|does|do|should|tell me|explain|define|"
    r"describe|list|qu[eé]|cu[aá]l|cu[aá]les|cu[aá]nt[oa]s?|cu[aá]ndo|por qu[eé]|d[oó]nde|c[oó]mo|qu'est|quels?|quelles?|"
    r"comment|pourquoi|combien|quand|was|welche[rsnm]?|wie|woran|warum|wann|wieso|cos'?[eè]|cosa|che cosa|quali|qual|"
    r"quanto|quanti|perch[eé]|come|o que|quais|como|por que|quando)\b(?!')|"
    r"\b(signs|symptoms|warning signs|causes?|treatment|treated|risk factors|difference between|first aid|"
    r"s[ií]ntomas|signos|sympt[oô]mes|signes|symptome|anzeichen|sintomi|segni|sintomas|sinais)\b")


def emergency_mode(text: str, kind: str | None) -> str | None:
    """`urgent` or `informational` for a request whose emergency kind is `kind` (None when no kind)."""
    if kind is None:
        return None
    t = _prepare(text).lstrip("¿¡\"' ")  # "¿cuáles son ...?" opens with its question word
    if not _QUESTION.search(t):
        return URGENT
    if kind == "suicide" and _SELF_HARM_PHRASES.search(t):
        return URGENT
    rest = _ASKING.sub(" ", _HYPOTHETICAL.sub(" ", t))
    if _ITALIAN_QUESTION.match(rest):
        rest = re.sub(r"\bi\b", " ", rest)  # "quali sono i sintomi": the article, not the speaker
    if _PERSON.search(rest):
        return URGENT
    if kind == "suicide" and _NOW.search(rest):
        return URGENT
    return INFORMATIONAL
