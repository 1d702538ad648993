"""The safety cues component: what a message says beyond its intent and entities.

Adds to `doc.user_data["cues"]` (read into `ParseResult.cues`): whether a report is about somebody
else, whether it describes ordinary soreness or any complaint, whether it asks to train on after a
stop, and whether the person says a healthcare provider has (or has not) cleared them, with the
words they used for what was checked.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from bot.nlu.entities import source_text

# "my friend ...", "my training partner's chest ...", "he collapsed" (not "gave my bike to my
# brother", "at the gym with my buddy": someone the person did something with or gave to)
_OTHER_PERSON = re.compile(
    r"(?<!to )(?<!with )(?<!from )(?<!at )\b(?:my|our|a) (?:best |gym |lifting |training |workout )?"
    r"(?:friend|buddy|mate|bro|partner|"
    r"spotter|dad|father|mom|mum|mother|brother|sister|wife|husband|boyfriend|girlfriend|son|"
    r"daughter|client|coworker|co-worker|colleague|uncle|aunt|grandpa|grandma|grandfather|"
    r"grandmother|roommate|flatmate|teammate|neighbou?r|kid|child|guy|girl|dude|someone|somebody)\b"
    r"|^\s*(?:he|she|they)\b|\b(?:he|she)(?:'s| is| was| has| keeps| just| suddenly| can'?t| cant)\b")
# the speaker as the one the family would be better off without: about oneself, though it names
# them ("my daughter would be better off with a different mom")
_SELF_AS_BURDEN = re.compile(
    r"\bbetter off (?:without me|with (?:a |another )?(?:different|new|other|better) (?:mum|mom|mother|"
    r"dad|father|parent)|with someone (?:else )?(?:who isn'?t|that isn'?t|other than) me|"
    r"with someone else as (?:her|his|their) (?:mum|mom|dad|mother|father|parent))\b")
# ordinary soreness after training ("legs are sore from yesterday", "doms")
_SORENESS = re.compile(
    r"\b(?:sore|soreness|doms|stiff|stiffness|achy|aching|aches|ache|tender|wrecked|destroyed|fried|beat up|"
    r"beaten up|banged up|battered|toast|jelly|smoked|trashed|"
    r"hurt(?:s|ing)? (?:to|when i) (?:walk|sit|laugh|move|cough|sneeze|climb)|everything (?:hurts|aches)|"
    r"hurts? everywhere|(?:whole|entire) body (?:hurts|aches|is sore))\b(?! (?:in|at) the best way)|"
    # training that "killed me" (not a friend who is "killing me" with his questions)
    r"\b(?:leg day|arm day|chest day|back day|workout|session|class|squats|deadlifts|lunges|training|"
    r"legs|quads|glutes|hamstrings|calves|arms|biceps|triceps|abs|lats|traps|delts|muscles)\b"
    r"(?: \w+){0,2} (?:killed|killing|destroyed|wrecked|murdered) me\b")
# any complaint of a muscle the day after training is soreness unless a red flag says otherwise
# (a joint that hurts is not: "my knee still hurts from monday" gets the hold-off)
_PAIN_AFTER_TRAINING = re.compile(
    r"\b(?:hurt\w*|ache\w*|pain\w*)\b[^.?!]{0,40}\b(?:after|from|since) (?:yesterday|yesterdays|"
    r"yesterday'?s|last night|(?:my |the |last |a )?(?:first |hard |heavy |big )?(?:workout|session|"
    r"training|leg day|arm day|gym|lifting|squats|class)|(?:the )?day before|"
    r"(?:last )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend)(?:'?s)?)\b")
_JOINT = re.compile(r"\b(?:knees?|elbows?|shoulders?|wrists?|ankles?|hips?|back|spine|neck|joints?)\b")
# a healthcare provider named in the person's words (a personal trainer is not one)
_PROVIDER = re.compile(
    r"\b(?P<p>doctors?|docs?|dr\.?|gp|physicians?|cardiologists?|physio(?:therapist)?s?|"
    r"physical therapists?|surgeons?|obstetricians?|ob(?:[- /]?gyn)?|midwi(?:fe|ves)|"
    r"nurse practitioners?|neurologists?|ortho(?:pa?edist|pedic)?s?|specialists?|"
    r"sports medicine (?:doctor|physician)|consultants?|cardio(?:logy)? (?:team|clinic)|"
    r"healthcare providers?|health care providers?|providers?|medical team|hospital|a&e|"
    r"urgent care|clinic)\b")
_CLEARED = re.compile(
    r"\b(?:cleared|clear(?:s|ed)? me|signed (?:me )?off|approved|ok'?d|okayed|okd|"
    r"gave me (?:the |a )?(?:all[- ]clear|ok|okay|green light|go[- ]ahead|thumbs up|clearance)|"
    r"(?:said|says|told me) (?:totally |completely |perfectly |all )?(?:fine|ok|okay|safe|good|alright|"
    r"all right)\b(?! (?:for|to) (?:him|her|them|my (?:dad|mum|mom|friend)))|"
    r"(?:said|says|told me) (?:it'?s|i'?m|im|i am|that'?s|thats|everything'?s|everything is|all is|"
    r"i can|i could|it is|its|my \w+ is|my \w+'s) ?(?:totally |completely |perfectly |all )?"
    r"(?:fine|ok|okay|safe|good|normal|clear|alright|all right|healthy|train|lift|exercise|go)|"
    r"(?:checked|examined|looked at|tested|scanned|assessed)\b[^.?!]{0,60}\b(?:fine|ok|okay|"
    r"nothing wrong|all good|normal|healthy|clear)|all clear|got the (?:ok|okay|all clear|green light))\b")
# the clearance points back at the reported sign: "checked it", "looked at that" (not the "it" of
# "said it's fine", which points at nothing)
_CHECKED_IT = re.compile(r"\b(?:checked|check|examined|looked at|looked into|evaluated|assessed|"
                         r"cleared|okayed|ok'?d|scanned|tested|saw|seen) (?:it|that|this|them|those)\b")
# a clearance given by looking at something or clearing it, not only by saying "it's fine"
_CLEARED_BY_LOOK = re.compile(r"\b(?:cleared|signed (?:me )?off|approved|ok'?d|okayed|examined|"
                              r"checked|looked at|looked into|assessed|evaluated|scanned|tested)\b")
_NOT_CLEARED = re.compile(
    r"\b(?:not|n'?t|never|haven'?t|havent|hasn'?t|hasnt|didn'?t|didnt|won'?t|wont|yet to|waiting "
    r"(?:for|on)|no)\b[^.?!]{0,25}\b(?:clear\w*|seen|see|sign\w* off|approv\w*|ok\w*|check\w*|"
    r"doctor|gp|appointment)\b")
# words without which a report is not a complaint (kept broad: a false stop is the safe mistake)
_COMPLAINT = re.compile(
    r"\b(?:hurt\w*|pain\w*|ache\w*|\w*aches?|aching|sore\w*|dizz\w*|faint\w*|light\s*headed|breath\w*|"
    r"numb\w*|tingl\w*|swell\w*|swollen|pop\w*|snap\w*|tear|tore|torn|injur\w*|bleed\w*|blood|"
    r"vomit\w*|nause\w*|throw(?:ing)? up|chest|heart|pregnan\w*|surgery|operation|op\b|stitches|"
    r"cramp\w*|pass(?:ed)? out|black(?:ed)? out|weird|strange|wrong|sick|ill\b|symptom\w*|urine|"
    r"pee|collaps\w*|spinning|wheez\w*|tight\w*|pressure|burn\w*|stab\w*|sharp|shooting|"
    r"twing\w*|tweak\w*|pull(?:ed)?|strain\w*|sprain\w*|bad|weak\w*|shak\w*|palpitat\w*|"
    r"racing|pound\w*|feel\w*|felt|stiff\w*|doms|wrecked|destroyed)\b")
# "i just do whatever i feel like": wanting, not feeling unwell ("i feel like i'll faint" stays)
_FEEL_LIKE_WANT = re.compile(r"\b(?:whatever|whenever|what|if|when|how) (?:i|you|we) (?:feel|felt) like"
                             r"(?: it| doing(?: it)?| that)?\b")
# right after a safety stop: asking to train anyway ("can I still do squats tomorrow?")
_CARRY_ON = re.compile(r"\b(?:anyways?\b(?![,.!]? *(?:how|what|which|why|when|where|who|is|are|"
                       r"does|do|can you|could you|tell me|back to))|"
                       r"still|(?<!about )just|keep|carry on|continue|push|work around|"
                       r"train around|tomorrow|tonight|later today|next session|finish\w*|go back|"
                       r"get back|resume|keep going|is that ok|is it ok|says (?:he'?s|she'?s|i'?m) "
                       r"fine|feel(?:s|ing)? (?:fine|ok|okay|good|normal|better|alright|all right)"
                       r"(?: now| already| again)|"
                       r"(?:feel(?:s|ing)?|i'?m|im|it'?s|its) (?:a lot |much |way )?better|better now|"
                       r"(?:went|gone|passed) away|(?:has|it'?s|its) (?:gone|passed))\b"
                       # "so can I train today?", "when can I lift again?"
                       r"|\b(?:can|could|should|may) i (?:still |even )?(?:train|lift|work ?out|exercise|"
                       r"go to the gym|hit the gym|do (?:legs|leg day|my workout|day ?\d|day (?:one|two|"
                       r"three|four|five|six)|the next (?:day|session|workout)|"
                       r"my (?:next )?(?:session|workout|training)))\b"
                       r"|\b(?:train|lift|work ?out|exercise|gym)\w*\b[^.?!]{0,20}\b(?:today|tomorrow|"
                       r"tonight|again|this week)\b"
                       # right after a stop: "can i do squats?", "so which exercises are ok for me"
                       r"|(?:^|[.,!?;:]\s*|\b(?:so|then|but|and|ok|okay|well|fine)\s+)"
                       r"(?:can|could|should|may) i (?:still |even |at least |safely |just )?"
                       r"(?:do|try|perform|keep doing) (?!to |about |for )"
                       r"(?:some |the |any |my |a |an )?[a-z]"
                       r"|\b(?:which|what) (?:exercises?|lifts?|moves?|workouts?|training) (?:are|is|would "
                       r"be) (?:ok|okay|safe|fine|good|allowed|alright|best) (?:for me|to do|now)\b"
                       r"|\bwhat (?:exercises?|lifts?|moves?|workouts?) (?:can|could|should) i "
                       r"(?:still )?do\b")
# names a training plan ("what about a program for after the birth?")
_PLAN_WORDS = re.compile(r"\b(?:plan|plans|program|programs|programme|routine|routines|"
                         r"split(?! (?:\w+ )?up\b| (?:\w+ )?(?:between|across|over|evenly)\b| squats?\b)|"
                         r"schedule|make me something|set me up)\b")

# asks for one ("want a routine to keep my muscles", "routine for a 65 year old beginner?"), as
# opposed to asking about one ("is a 5 day split better than 3?")
_ASKS_FOR_PLAN = re.compile(
    r"\b(?:want|wanna|need|(?:would|i'?d|id) (?:like|love)|give me|make me|make|build me|build|write me|"
    r"write|set up|create|design|recommend|suggest|get me|looking for|put together|come up with|"
    r"redo|re-do|remake|rebuild|update|adjust|tweak|modify|edit|regenerate|revise|"
    r"refresh)\b"
    r"[^.?!]{0,25}\b(?:plan|program|programme|routine|split|schedule)\b"
    # "whats a good beginner program?", "what should my weekly schedule look like?"
    r"|\b(?:what'?s|whats|what is|what would be|any) (?:a |an )?(?:good|decent|solid|simple|basic|"
    r"sensible|realistic)\b[^.?!]{0,20}\b(?:plan|program|programme|routine|split|schedule)\b"
    r"|\bwhat (?:should|would|could|does|do) (?:my|a good|a|the) (?:weekly |week'?s |training |gym )?"
    r"(?:plan|program|programme|routine|split|schedule|week) look like\b"
    r"|\b(?:make|build|give|throw) me something\b|\bset me up\b"
    r"|\b(?:plan|program|programme|routine|split)s? for (?:me|a (?:\d{2}|older|senior|beginner)\w*|"
    r"an? (?:older|senior|elderly|\d{2}) ?\w*|someone (?:my age|over \d{2}|in (?:my|their) \d0s))\b")

# the person's own existing plan, asked about ("my workout plan only has 10 sets, enough?")
_OWN_PLAN = re.compile(r"\bmy (?:current |existing |own |old |workout |training |gym |weekly |new |"
                       r"\d[- ]?days? |(?:two|three|four|five|six)[- ]days? |ppl |push pull legs )*"
                       r"(?:plan|program|programme|routine|split|schedule)\b")

# a schedule of the person's own, asked about: "gonna go 7 days a week, 2 hours a day. good idea?"
_OWN_SCHEDULE = re.compile(
    r"\b(?:i'?m|im|i am|i will|i'?ll|ill|gonna|going to|planning (?:on|to)|plan to|thinking (?:of|about)|"
    r"want to|wanna|i)\s+(?:(?:can|could|only|can only|could only|will only|only ever)\s+)?"
    r"(?:go(?:ing)?|train(?:ing)?|lift(?:ing)?|do(?:ing)?|hit(?:ting)? the gym|get (?:to|in to|into) the gym|"
    r"make it(?: to the gym)?|work(?:ing)? out|start(?:ing)?)\b[^.?!]{0,20}\b"
    r"(?:\d+|one|two|three|four|five|six|seven|every) ?"
    r"(?:days?|x|times)\b")
_ASKS_VERDICT = re.compile(r"\b(?:good|bad|smart|dumb|great) idea\b|\b(?:too much|overkill|enough|"
                           r"ok|okay|fine|alright|safe|possible|realistic|reasonable)\s*[?!.]*$|"
                           r"\b(?:is (?:that|this|it)|will (?:that|this|it)|would (?:that|this|it)) "
                           r"(?:be )?(?:ok|okay|fine|too much|enough|safe|work|bad)\b")

# asks which signs mean stopping ("what signs mean i should stop?", "any warning signs to watch for")
_WARNING_SIGNS = re.compile(
    r"\bwarning signs?\b|\bred flags?\b|"
    r"\b(?:signs?|symptoms?)\b[^.?!]{0,40}\b(?:stop|quit|worry|watch (?:for|out)|look out|see a doctor|"
    r"call (?:a|my) doctor|emergency|dangerous)\b|"
    r"\bwhen (?:should|do|must|would) i (?:stop|quit) (?:training|exercising|working out|lifting)\b")


# asks whom to see ("so who should i see about it?", "what kind of doctor?")
_ASKS_PROVIDER = re.compile(
    r"\bwho (?:should|do|can|would|could) (?:i|we|he|she|they) (?:see|go to|talk to|call|ask|book)\b|"
    r"\bwhat (?:kind|type|sort) of (?:doctor|specialist|provider|professional)\b|"
    r"\bwhere (?:should|do|can) (?:i|we) go\b|\bwhich (?:doctor|specialist)\b")
# asks whether to see a provider before starting ("should we check with a doctor first", "do i
# need a doctor's ok first?"): the article's advice to talk to a healthcare provider
_PROVIDER_WORD = (r"(?:doctor|doc|gp|physician|provider|physio|physical therapist|cardiologist|"
                  r"specialist|nurse)")
_ASKS_PROVIDER_FIRST = re.compile(
    r"\b(?:should|do|does|must|would|need|have) (?:i|we|she|he|they|you|my \w+|u)"
    r"(?: (?:really|still|first|even))? (?:need to |have to |go |better )?"
    r"(?:check|talk|speak|consult|see|ask|get (?:checked|cleared|the (?:ok|okay|all clear))|go to|visit)"
    r"(?: with| to| in with)? (?:a |my |her |his |their |our |the |your )?" + _PROVIDER_WORD + r"\b|"
    r"\b(?:need|needs|get|require|requires) (?:a |my |her |his |their |the )?" + _PROVIDER_WORD
    + r"(?:'?s)? (?:ok|okay|clearance|permission|approval|note|sign[- ]?off|go[- ]ahead|all clear)\b|"
    # "can i just start or do i need to talk to someone first"
    r"\b(?:talk|speak|check|consult|ask) (?:to |with )?(?:someone|somebody|anyone|anybody|a professional|"
    r"an expert|a pro) (?:first|before (?:i|starting|i start))\b")


# says a crisis reply misread them ("lol no, i meant the workout", "im fine, just kidding")
_NOT_AT_RISK = re.compile(
    r"\b(?:i'?m|im|i am|i'?m totally|im totally|i am totally) (?:fine|ok|okay|good|alright|all right|"
    r"safe|not in danger)\b|\b(?:just |only )?(?:joking|kidding|messing)\b|\bjk\b|\bi meant\b|"
    r"\b(?:misread|misunderstood|misunderstand|misunderstanding|took it wrong|wrong idea|read it wrong|"
    r"read that wrong|got it wrong)\b|\bnot (?:like that|what i meant|suicidal|literally|serious|"
    r"for real|in danger)\b|\bfigure of speech\b|\b(?:an|a) (?:expression|joke|saying)\b|"
    r"\bexaggerat\w*|^\W*(?:lol|haha\w*|lmao)?\W*(?:no|nah|nope)\W*(?:lol|haha\w*|lmao)\b|"
    r"^\W*(?:lol|haha\w*|lmao)\W*(?:no|nah|nope)\b")


# an apology for one's English ("my english is not so good sorry"): no dark word, but words the
# crisis classifier has learnt to lean on; the gate reads the message again without it
_ENGLISH_APOLOGY = re.compile(
    r"\b(?:my )?english (?:is )?(?:not (?:so |very |that |too )?(?:good|great|perfect)|bad|poor|weak|"
    r"not my (?:first|native) language)\b|\b(?:sorry|excuse me|excuse|forgive me|pardon) (?:for |about )?"
    r"(?:my )?(?:bad |poor |broken )?english\b")


# dark words as the gym's idioms ("dying to know", "dead wrong", "it's killing me not knowing",
# "my legs are dead", "end my bulk"): the crisis classifier needs a surer reading with them
_IDIOM = re.compile(
    r"\bdying (?:to|for)\b|\bdead (?:wrong|tired|set|serious|last|easy|even)\b|"
    r"\bbrain(?: is| was|'s)? (?:so )?(?:dead|fried|mush|not working)\b|\bbrain[- ]?dead\b|"
    r"\b(?:i'?d|i would|id) (?:literally |honestly |actually )?(?:die|kill) for\b|"
    # a wish about one's looks or fitness ("i just want to look better tbh")
    r"\b(?:want|wanna|wanted|trying) to (?:look|get|be|become) (?:a lot |a bit |much |way )?(?:better|good|"
    r"great|nice|bigger|stronger|fitter|fit|healthier|toned|jacked|huge|leaner|lean|big|strong|"
    r"confident|aesthetic|shredded|ripped|buff)\b|"
    r"\b(?:gasping|panting|breathing|sweating|wheezing|huffing|shaking) like (?:i'?m|im|i am|i was) "
    r"(?:dying|dead|gonna die|going to die)\b|"
    r"\b(?:kills|killing|killed|murder\w*|destroy\w*) (?:me|it)\b(?! inside| slowly)|"
    r"\b(?:i'?m|im|i am|i was|felt|feel) (?:so |totally |absolutely |literally )?"
    r"(?:dead|dying|done|destroyed|finished) (?:after|from|by)\b|"
    r"\b(?:legs?|arms?|quads?|glutes?|chest|back|shoulders?|muscles?|gains?|motivation)"
    r" (?:is |are |feel |feels |were |was )?(?:so |totally |literally )?"
    r"(?:dead|dying|gone|toast|fried|cooked)\b|"
    r"\b(?:scared|bored|worried|frightened|scare|scares|scaring|worries|worry) (?:me |myself |us |him |her )?"
    r"to death\b|\bbury (?:myself|me) in (?:training|work|the gym|lifting|my training|books|school)\b|"
    # more of the gym's dark jokes ("bore me to death", "fighting to the death over it", "a dead
    # end", "don't want my own funeral", "die under the bar", "i end every set when i feel dead")
    r"\b(?:bore|bores|boring) (?:me )?to death\b|\b(?:fight\w*|argu\w*|debat\w*|battle\w*) to the death\b|"
    r"\bdead[- ]end\b|\bmy own funeral\b|"
    # an impatient "nobody explains it" about training advice
    r"\b(?:nobody|no one|no-one|noone) (?:ever |actually |really )?(?:explains|shows|teaches)"
    r"(?: (?:it|how|what (?:it|that|this) means|this|that|the form|properly))?\s*(?:[.?!,]|lol|$)|"
    r"\bdie under (?:the|a|that) (?:bar|barbell|weight)\b|"
    r"\b(?:set|sets|rep|reps)\b[^.?!]{0,20}\b(?:feel|felt|am|i'?m) dead\b|"
    # grief for a pet is sadness, not a crisis ("my dog died last week, haven't trained since")
    r"\bmy (?:old )?(?:dog|cat|pet|puppy|kitten|hamster|rabbit|horse|bird|fish) (?:died|passed|passed away|"
    r"had to be put down)\b|"
    r"\bend(?:ing)? (?:my|the|this) (?:bulk|cut|set|session|workout|program|split|membership|contract)\b|"
    # a fear of injury, or an injury ("scared of hurting myself", "she injured herself on leg day")
    r"\b(?:scared|afraid|worried|nervous|anxious|terrified|fear)\b[^.?!]{0,15}\b(?:hurt\w*|injur\w*) "
    r"(?:my ?self|myself)\b|\binjur\w* (?:my|him|her|them|your|our)sel(?:f|ves)\b|"
    r"\b(?:don'?t|dont|do not|never) (?:want|wanna) (?:to )?(?:hurt|injure) (?:my ?self|myself)\b|"
    # hurting a body part is an injury ("i don't want to hurt my back")
    r"\b(?:hurt\w*|injur\w*|tweak\w*|strain\w*|pull\w*|wreck\w*) my (?:lower |upper )?(?:back|knees?|"
    r"shoulders?|elbows?|wrists?|neck|hips?|ankles?|hamstrings?|spine|joints?|rotator cuff)\b|"
    # a fear of falls, which the article's benefits address ("i worry about falling")
    r"\b(?:worr\w*|afraid|scared|fear\w*|risk) (?:about |of )?(?:a |the )?(?:falls?|falling)\b|"
    # tiredness in the gym's words ("im wiped after my shift", "totally gassed")
    r"\b(?:i'?m|im|i am|feel|feeling|felt|was) (?:so |totally |completely |absolutely )?"
    r"(?:wiped|knackered|pooped|gassed)(?: out)?\b|"
    # an everyday reason for not being around or not needing a plan for long ("im only here for
    # the summer", "moving abroad", "my membership ends")
    r"\b(?:only|just) (?:here|in town|around|staying|visiting) (?:for|till|until)\b|"
    r"\b(?:moving|move|relocating) (?:abroad|away|to|out|house|cities|countries)\b|"
    r"\b(?:after|before|for|because of|with) (?:the|my|our) (?:move|relocation|house move)\b|"
    r"\b(?:membership|contract|lease|visa|semester|internship) (?:ends|runs out|is up|expires)\b|"
    r"\b(?:on|for|going on) (?:a |my )?(?:trip|holiday|vacation|deployment|exchange)\b|"
    r"\bleav(?:e|ing) for (?:college|uni|university|the army|basic|work|a trip)\b|"
    # a workout as a penance ("i punish myself with burpees when i skip leg day")
    r"\bpunish\w* (?:my ?self|myself) with (?:an? )?(?:extra |more )?(?:burpees|cardio|sprints|push-?ups|"
    r"sets|reps|laps|runs?|workouts?|sessions?|leg days?)\b")


# waves a warning sign away ("lol its probably nothing", "its gone now", "fine, whatever")
_DISMISSES = re.compile(
    r"\b(?:probably|prob|it'?s|its|it is|that'?s|thats|it was) (?:just )?nothing\b|\bno big deal\b|"
    r"\bnot (?:a |that )?(?:big deal|bad|serious)\b|\b(?:it'?s|its|it has|it'?s all|pain'?s?) (?:gone|passed|"
    r"better|fine|ok|okay)\b|\b(?:gone|went away|passed) now\b|\bi'?m (?:fine|ok|okay|good) now\b|"
    r"\bim (?:fine|ok|okay|good) now\b|\b(?:overreacting|over ?reacting|whatever)\b|"
    r"^\s*(?:ok(?:ay)? )?fine\b|\bi'?ll be (?:fine|ok|okay)\b|\bill be (?:fine|ok|okay)\b|"
    r"\bdon'?t (?:worry|care)\b|\bdoesn'?t matter\b|\bis (?:ok|okay|fine)\b|"
    r"\b(?:only|just) (?:a )?(?:small|little|tiny|slight|minor|bit of|mild) "
    r"(?:pain|ache|twinge|discomfort)\b|"
    r"\b(?:he|she|they)(?:'?s|'?re| is| are) (?:sitting up|awake|conscious|talking|breathing|up|ok|okay|"
    r"fine|better|alright|all right)(?: again| now)?\b|\b(?:came|come) (?:to|round|around)\b|"
    # "is that the pump?", "prob just doms right": a sign taken for the gym's ordinary effects
    r"\b(?:is|isn'?t|could|might) (?:that|it|this) (?:just |only |maybe |be |be just )?(?:the |a )?"
    r"(?:pump|normal|doms|soreness|fatigue|from lifting|from the gym|lactic acid)\b|"
    r"\b(?:prob(?:ably)?|maybe|likely) (?:just )?(?:the |a )?(?:pump|doms|soreness|fatigue|lactic acid)\b|"
    r"\b(?:don'?t|dont|do not) (?:really )?need (?:a |to see a |to see the |to go to the |an )?"
    r"(?:doctor|doc|gp|physio|er|hospital|ambulance|check ?up)\b")
# a plan for something other than lifting ("a running program for my first 5k", "yoga routine")
_PLAN_FOR_OTHER = re.compile(
    r"\b(?:running|run|jogging|5k|10k|marathon|cardio|cycling|swimming|yoga|stretching|"
    r"mobility|flexibility|hiit|sprint\w*|couch to 5k|c25k|triathlon)\s+(?:plan|program|programme|"
    r"routine|schedule|training plan)s?\b|"
    r"\b(?:plan|program|programme|routine|schedule)s? (?:for|to (?:train for|run|do)) (?:a |an |my |the |"
    r"first |my first )*(?:5k|10k|marathon|half marathon|triathlon|race|run|running|cardio|yoga)\b")
# asks what to do next ("ok someone called, what now", "now what do i do")
_ASKS_NEXT = re.compile(r"\b(?:what|wat|wut) (?:now|next|else)\b|\bnow what\b|"
                        r"\bwhat (?:do|should|can) (?:i|we) do(?: now| next| while| until)?\b|"
                        r"\bwhat (?:happens|do (?:i|we) do) (?:now|next)\b")
# is calling for help ("ok calling now", "i called 911")
_CALLING = re.compile(r"\b(?:calling|called|dialing|dialling|dialed|dialled|ringing|rang|phoned|"
                      r"phoning)\b")
# help has come ("paramedics are here now", "the ambulance just arrived")
_HELP_ARRIVED = re.compile(
    r"\b(?:paramedics?|ambulance|emts?|medics|firefighters|help|the ems|ems|doctor|nurse)\b[^.?!]{0,20}"
    r"\b(?:is|are|'re|'s|has|have|just)? ?(?:here|arrived|came|come|got here|on (?:their|its|the) way)\b")
# where the person is, for a crisis line of their country ("im in the uk", "i'm from toronto")
_REGIONS = [
    ("uk", re.compile(r"\b(?:uk|u\.k\.|united kingdom|england|scotland|wales|northern ireland|britain|"
                      r"great britain|london|manchester|birmingham|glasgow|edinburgh|cardiff|belfast|"
                      r"liverpool|leeds)\b")),
    ("ireland", re.compile(r"\b(?:ireland|dublin|cork|galway)\b")),
    ("canada", re.compile(r"\b(?:canada|canadian|toronto|vancouver|montreal|ontario|quebec|alberta|"
                          r"calgary|ottawa)\b")),
    ("australia", re.compile(r"\b(?:australia|aussie|sydney|melbourne|brisbane|perth|adelaide)\b")),
    ("new_zealand", re.compile(r"\b(?:new zealand|nz|auckland|wellington|christchurch)\b")),
    ("india", re.compile(r"\b(?:india|mumbai|delhi|bangalore|bengaluru|chennai|kolkata|hyderabad)\b")),
    ("us", re.compile(r"\b(?:usa|u\.s\.a?|united states|the (?:us|states)|america)\b")),
]


# words before a condition that say the person has it ("i have type 2 diabetes", "diagnosed
# with osteoporosis"), unlike a topic named ("muscle for my bones")
_HAVE_WORDS = {"have", "has", "had", "got", "diagnosed", "with", "suffer", "suffers", "suffering",
               "living", "back", "showed", "shows", "says", "said"}  # ("bloods came back prediabetic")
_I_AM = {"i", "im", "i'm", "am", "m"}  # "im diabetic", "i'm prediabetic"
# a life stage said of oneself by naming it ("new mum here", "8 months postpartum")
_SAID_BY_NAMING = {"postpartum"}


def _stated_conditions(doc: Doc) -> list[str]:
    """The conditions the message says the person (or the one they speak of) has."""
    stated = []
    for ent in doc.ents:
        if ent.label_ != "condition":
            continue
        before = {t.lower_ for t in doc[max(0, ent.start - 4):ent.start]}
        last = doc[ent.start - 1].lower_ if ent.start > 0 else ""
        value = ent.kb_id_ or ent.ent_id_ or ent.text
        if before & _HAVE_WORDS or last in _I_AM or value in _SAID_BY_NAMING:
            stated.append(value)
    return stated


class SafetyCues:
    """Adds to doc.user_data["cues"] (where coach_symptoms put the red-flag tier): about_other,
    soreness, complaint, carry_on, mentions_plan, provider, cleared, asks_warning_signs,
    asks_provider, not_at_risk, idiom."""

    def __call__(self, doc: Doc) -> Doc:
        text = source_text(doc)
        cues: dict[str, Any] = doc.user_data.setdefault("cues", {})
        if _COMPLAINT.search(_FEEL_LIKE_WANT.sub(" ", text)):
            cues["complaint"] = True
        stated = _stated_conditions(doc)
        if stated:
            cues["has_condition"] = stated
        if _ASKS_NEXT.search(text):
            cues["asks_next"] = True
        if _CALLING.search(text):
            cues["calling_help"] = True
        if _HELP_ARRIVED.search(text):
            cues["help_arrived"] = True
        if _PLAN_FOR_OTHER.search(text):
            cues["plan_for_other"] = True
        if _DISMISSES.search(text):
            cues["dismisses"] = True
        if _NOT_AT_RISK.search(text):
            cues["not_at_risk"] = True
        courtesy = [m.span() for m in _ENGLISH_APOLOGY.finditer(text)]
        if courtesy:
            doc.user_data["courtesy_spans"] = courtesy
        idioms = [m.span() for m in _IDIOM.finditer(text)]
        if idioms:  # (where, so the crisis gate can also read the message without them)
            doc.user_data["idiom_spans"] = idioms
            cues["idiom"] = True
        region = next((name for name, rx in _REGIONS if rx.search(text)), None)
        if region:
            cues["region"] = region
        if _CARRY_ON.search(text):
            cues["carry_on"] = True
        if _OTHER_PERSON.search(text) and not _SELF_AS_BURDEN.search(text):
            cues["about_other"] = True
        if _PLAN_WORDS.search(text) or _PLAN_WORDS.search(doc.text):  # (also "progrm", corrected)
            cues["mentions_plan"] = True
            if _ASKS_FOR_PLAN.search(text):
                cues["asks_for_plan"] = True
            elif _OWN_PLAN.search(text):
                cues["own_plan"] = True
        if _OWN_SCHEDULE.search(text) and _ASKS_VERDICT.search(text):
            cues["own_plan"] = True  # "gonna train 7 days a week, 2 hours a day. good idea?"
            cues["question"] = True  # ("... is that ok" asks, with or without a question mark)
        if _SORENESS.search(text) or (_PAIN_AFTER_TRAINING.search(text) and not _JOINT.search(text)):
            cues["soreness"] = True
        if _WARNING_SIGNS.search(text):
            cues["asks_warning_signs"] = True
        if _ASKS_PROVIDER.search(text):
            cues["asks_provider"] = True
        if _ASKS_PROVIDER_FIRST.search(text):
            cues["asks_provider_first"] = True
        provider = _PROVIDER.search(text)
        if provider:
            cues["provider"] = provider.group("p")
        if _NOT_CLEARED.search(text):
            cues["cleared"] = False
        elif _CLEARED.search(text):
            cues["cleared"] = True
        if _CHECKED_IT.search(text):
            cues["checked_it"] = True
        if _CLEARED_BY_LOOK.search(text):
            cues["cleared_by_look"] = True
        return doc


@Language.factory("coach_safety_cues")
def make_safety_cues(nlp: Language, name: str) -> SafetyCues:
    """Factory registered for config.yml."""
    return SafetyCues()
