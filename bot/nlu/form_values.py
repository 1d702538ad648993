"""The form values component: plan-interview answers said in everyday words, as entities.

"nothing injured", "zero injuries", "healthy" (no injuries: condition `none`); "6 months in"
(beginner); a bare "gym" (a full gym); "a dumbbell plan" (dumbbells); "an hour per session" (60
minutes). They join the entities the knowledge-generated ruler and the numbers component found,
so every slot of a complete plan request is taken from its first message.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from bot.nlu.entities import source_span, source_text

# (label, value, pattern) over the folded text
# "no injuries" in its many forms (also read by bot.nlu.answers.states_no_injury)
NO_INJURY = re.compile(
        r"\binjur(?:y|ies)[:\s-]+(?:none|no|nope|nil|zero|n/a|0)\b|"
        r"\b(?:no|zero|not any|without any|without|nothing|none|no real|"
        r"(?:don'?t|do not|doesn'?t|haven'?t)(?: got| have)?(?: any)?) (?:\w+ )?"
        r"(?:injur(?:y|ys|ies|ed)|inj|injs|health (?:issues?|problems?|conditions?)|"
        r"medical (?:issues?|problems?|conditions?)|"
        r"conditions?|problems? with my body)\b|\bnothing (?:injured|wrong|hurts)\b|"
        r"\binjury[- ]free\b|\b(?:i'?m|im|i am|totally|perfectly|fully) (?:healthy|fine health)\b|"
        r"(?:^|[,;:.!]|\band)\s*(?:all |very |totally )?healthy\s*(?:[.,;:!-]|$|\band\b)|\bin good health\b|"
        r"\bhealthy as an? (?:horse|ox)\b|\b(?:all |everything )?(?:good|fine|ok|okay) health[- ]?wise\b|"
        r"\bno (?:aches|pains) or injuries\b|"
        # in the languages people mix in: "sin lesiones", "sem lesões", "keine Verletzungen"
        r"\b(?:sin|sem|ohne|keine|sans|nessun\w*) (?:ninguna |nenhuma |aucune )?(?:lesion\w*|les[oõ]es|"
        r"les[aã]o|verletzung\w*|blessures?|infortun\w*)\b|"
        r"\b(?:neither|none) of us (?:is |are |has |have |got )?(?:any )?(?:injured|injuries|hurt)\b|"
        r"\bwe(?:'re| are) both (?:healthy|injury[- ]free|fine)\b|"
        r"\bno (?:knee|shoulder|back|wrist|elbow|hip|ankle|neck|joint) "
        r"(?:problems?|issues?|injur\w*|pain)\b")
_VALUES: list[tuple[str, str, re.Pattern[str]]] = [
    ("condition", "none", NO_INJURY),
    ("experience", "beginner", re.compile(
        r"\b(?:\d{1,2}|a few|a couple of|couple|few|one|two|three|four|five|six|seven|eight|nine|"
        r"ten|eleven) (?:months?|weeks?|mo)\b(?! ago| off| break| out)|"
        r"\b(?:new to|just (?:started|starting|got into)|never (?:really )?(?:lifted|trained|worked out|"
        r"exercised|been to (?:a|the) gym)|"
        r"first time (?:lifting|at the gym|training)|"
        r"\bto start (?:strength training|lifting|weight training|weights|resistance training|"
        r"working out)\b|"
        r"complete beginner|total beginner|newbie|noob|novice)\b")),
    ("experience", "advanced", re.compile(r"\b(?:experienced|veteran|very experienced|"
                                          r"years of experience)\b")),
    ("equipment", "full_gym", re.compile(r"(?<!full )(?<!home )\bgym\b(?! membership)")),
    ("equipment", "dumbbells", re.compile(r"\bdumbbell (?:plan|program|routine|workout|split)\b|"
                                          r"\b(?:db|dbs) only\b|\bonly (?:db|dbs)\b|"
                                          # "a home gym with db's and a bench" (not "db rows")
                                          r"\bdb'?s\b(?! ?(?:rows?|squats?|press\w*|curls?|skull\w*|"
                                          r"deadlifts?|fl(?:y|ies)))|"
                                          # "I have dumbbell", "i've got a pair of adjustable dumbbells"
                                          r"\b(?:i have|i'?ve got|i got|i own|have got) (?:only |just )?"
                                          r"(?:a |an |some |two |2 |a pair of |a set of |adjustable |"
                                          r"a couple of )*dumbbells?\b|"
                                          # "only dumbbell in my house", "just a dumbbell at home"
                                          r"\b(?:only|just) (?:a |one |two |2 |some )?dumbbells?\b"
                                          r"(?! (?:rows?|squats?|press\w*|curls?|skull\w*|exercises?))")),
    ("duration", "60", re.compile(r"\b(?:an? )?hour (?:per|a|each) (?:session|workout|day)\b|"
                                  r"\b(?:sessions?|workouts?) of an hour\b|\bhour[- ]long\b|"
                                  r"\b(?:an? |one |1 )?hour (?:sessions?|workouts?)\b")),
    # "i meant for size": a goal said as what the person wants (not "best exercises for growth")
    ("goal", "size", re.compile(r"\b(?:mean|meant|want|wanted|said|asked|aim|aiming|going|goal is|"
                                r"it'?s|its)\b[^.?!]{0,12}\bfor (?:hypertrophy|size|muscle size|mass|"
                                r"growth|muscle growth)\b")),
    # labelled answers ("days: 4", "injuries: none")
    ("condition", "none", re.compile(r"\binjur\w*\s*[:=-]\s*(?:none|no|nope|n/?a|nothing|0)\b")),
]
# an injury said among the other answers of a plan request ("intermediate, 4 days, gym, 60 min,
# i have a shoulder injury"): condition `injury`, so the interview asks about clearance
# instead of asking about injuries again
_BODY = (r"(?:(?:left |right )?(?:knees?|shoulders?|wrists?|elbows?|hips?|ankles?|hamstrings?)|"
         r"(?:lower |upper )?back|neck|achilles|rotator cuff|acl|meniscus|disc|spine)")
_INJURY = re.compile(
    rf"\b(?:bad|injured|busted|dodgy|hurt|weak|sore|torn|sprained|messed up|jacked up) {_BODY}\b|"
    # ("my left knee is kinda bad", "my shoulder's a bit stiff sometimes")
    rf"\b{_BODY}(?:'s| is| are| feels| gets)? (?:kinda |kind of |a bit |a little |pretty |really |quite |"
    rf"sometimes |often )*(?:bad|stiff|achy|iffy|wonky|unstable|weak|dodgy|injured|hurt|busted)\b|"
    rf"\b{_BODY} (?:injury|injuries|is (?:bad|injured|hurt|messed up|busted|dodgy|weak)|problems?|issues?|"
    rf"pain|surgery|(?:sometimes |often |always |still |kinda |kind of )?(?:acts|acting|flares|flaring) up|"
    rf"(?:sometimes |often |always |still )?(?:gives|giving) me (?:trouble|problems|grief))\b|"
    rf"\b(?:injured|hurt|tore|sprained|messed up|pulled|tweaked) my {_BODY}\b|"
    r"\b(?:an|one|old|recent) injury\b|\bi'?m injured\b")
_NEGATED = re.compile(r"\b(?:no|not|never|don'?t|dont|without|zero|nothing)\b[^.,;]{0,20}$")
_PLAN_ANSWERS = {"days", "experience", "duration", "equipment"}
# "make it 3", "back to 3", "days: 4" after a plan or in the interview: days per week (2 to 7)
# "3 mornings a week", "4 evenings per week": days per week
# ("three evenings a week"; "3 evenings" alone as a short answer)
_DAY_WORDS = {"two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7"}
_DAYS_OF_WEEK = re.compile(r"\b(?P<n>[2-7]|two|three|four|five|six|seven) (?:mornings|evenings|"
                           r"nights|afternoons|sessions|times|workouts|lunchtimes|lunch breaks|"
                           r"weekdays)(?: (?:a|per|each|every) week\b|(?=\W*$))")
_DAYS_SAID = re.compile(r"\b(?:make it|back to|change (?:it )?to|go (?:back )?to|switch to|days?\s*[:=])"
                        r"\s*(?P<n>[2-7])\b(?!\s*(?:sets?|reps?|min\w*|sec\w*|kg|lbs?|x|hours?))")
# "forty five minutes": minutes in words
_TENS = {"fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
         "seventy": 70, "eighty": 80, "ninety": 90}
_UNITS = {"five": 5}
_MINUTES_IN_WORDS = re.compile(r"\b(?P<t>fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
                               r"(?:[- ](?P<u>five))?\s*(?:min|mins|minutes?)\b")


# equipment the plans cannot use alone: "bodyweight only", "no equipment at all" (not "bodyweight
# and dumbbells", which is an option)
_NO_EQUIPMENT = re.compile(
    r"\b(?:body ?weight|calisthenics)(?! (?:and|plus|\+|&|with|n) )\b|"
    r"\b(?:no|zero|without(?: any)?|don'?t have(?: any)?) (?:equipment|weights|dumbbells|gear)\b")


class FormValues:
    """Adds experience, equipment, duration and condition `none` entities found in plain words,
    and the cue `no_equipment` ("bodyweight only")."""

    def __call__(self, doc: Doc) -> Doc:
        text = source_text(doc)
        spans: list[Span] = []
        taken = {e.label_ for e in doc.ents}
        found: list[tuple[str, str, int, int]] = []
        answers = {"days", "experience", "duration"} & taken
        for label, value, rx in _VALUES:
            m = rx.search(text)
            if not m or label in taken:
                continue
            # a bare "gym" is equipment only as an answer ("gym", "4 days, gym, 1 hour"), not in
            # "how do i stay safe in the gym"
            if value == "full_gym" and not answers and len(text.split()) > 3:
                continue
            found.append((label, value, m.start(), m.end()))
            taken.add(label)
        said = _DAYS_SAID.search(text) or _DAYS_OF_WEEK.search(text)
        if said and "days" not in taken:
            n = said.group("n")
            found.append(("days", _DAY_WORDS.get(n, n), said.start(), said.end()))
        words = _MINUTES_IN_WORDS.search(text)
        if words and "duration" not in taken:
            minutes = _TENS[words.group("t")] + (_UNITS[words.group("u")] if words.group("u") else 0)
            found.append(("duration", str(minutes), words.start(), words.end()))
        if _NO_EQUIPMENT.search(text) and "equipment" not in taken:
            doc.user_data.setdefault("cues", {})["no_equipment"] = True
        injury = _INJURY.search(text)
        # (with one other answer too when nothing asks: "90 minutes. old shoulder injury")
        answers_given = len(_PLAN_ANSWERS & taken)
        if injury and "condition" not in taken and (answers_given >= 2 or (
                answers_given == 1 and "?" not in text)) \
                and not _NEGATED.search(text[:injury.start()]):
            found.append(("condition", "injury", injury.start(), injury.end()))
        for label, value, start, end in found:  # the ruler or the numbers may have read it already
            span = source_span(doc, start, end, label, value)
            if span is not None:
                spans.append(span)
        if spans:
            kept = [e for e in doc.ents if not any(e.start < s.end and s.start < e.end for s in spans)]
            doc.ents = filter_spans(kept + spans)
        return doc


@Language.factory("coach_form_values")
def make_form_values(nlp: Language, name: str) -> FormValues:
    """Factory registered for config.yml."""
    return FormValues()
