"""The discourse cues component: how a message relates to the conversation, beyond its intent.

Adds to `doc.user_data["cues"]` (read into `ParseResult.cues`): a question, a "why", a request to
change something, a continuation of the last topic ("and for strength?"), a wish to stop, a
pointer back to what was just said ("that one"), a question about where something comes from, and
the message's words. Every such reading lives here, not in the policies or actions.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from bot.nlu.entities import source_text, to_source

_QUESTION = re.compile(r"\?\s*$|\bor\b[^.?!]{1,40}\b(?:better|best|worse)(?: for| than)?\b|"
                       r"^\s*(?:(?:so|like|ok|okay|but|and|um+|uh+|hey|yo|bro|also|wait|then|lol|"
                       r"hm+|honestly|tbh|quick question|real quick)\b[\s,]*){0,3}"
                       r"(?:what|whats|what's|which|how|why|does|do|is|are|am|should|can|"
                       r"could|would|will|where|when|who)\b|\b(?:then|now) what\s*$|"
                       r"\bwhat(?:'s|s| is| comes)? next\b|\bwhat (?:do|should|can) i do\b|"
                       # "if i get bigger do i get stronger": a condition, then the question
                       r"^\s*(?:so |but |and )?(?:if|when|once) [^.?!]{1,50}\b(?:do|does|will|would|can|"
                       r"should|is|am|are) (?:i|you|it|my|that|this|they|muscles?)\b|"
                       # "my blood test came back high, can lifting help with that": a clause that
                       # asks, after one that tells
                       r"[,.;:]\s*(?:so |but |and |ok )?(?:what'?s|whats|what is|which|how do|how can|how "
                       r"should|why) \S+ \S+|"
                       # ... or a new sentence that opens as a question ("... bloodwork. does muscle help")
                       r"[.!;:]\s+(?:so |but |and |ok )?(?:does|do|is|are|can|could|would|will|should|"
                       r"am|what|whats|what's|how|why|which)\b|"
                       r"[,.;:]\s*(?:so |but |and |ok )?(?:can|could|would|will|does|do|is|are|should) "
                       r"(?:i|you|we|it|that|this|lifting|training|weights|exercise|muscle|strength "
                       r"training|resistance training)\b|"
                       # a question put as a request ("just tell me how long to rest")
                       r"\b(?:tell|show|remind) (?:me|us) (?:how|what|why|which|when|where|whether|if)\b|"
                       r"\b(?:i (?:want|need) to know|i'?m wondering|wondering|curious) "
                       r"(?:how|what|why|which|when|where|whether|if)\b")
# "why ...?" asks for a reason
_WHY = re.compile(r"^\s*(?:but\s+|so\s+|and\s+|ok\s+)?(?:why|how come)\b|"
                  r"\bwhat(?:'s|s| is)? (?:the )?(?:reason|reasoning|logic|rationale)\b")
# words that ask for a change (of a plan, of an answer)
_CHANGE = re.compile(r"\b(?:can i|could i|can you|make it|make that|change|switch|instead|actually|"
                     r"only|rather|what if|how about|with just|do it with|do this with|redo|rebuild|"
                     r"update|can we|could we|let'?s do|too many|too few)\b")
# a message that continues the last topic ("and per exercise?", "what about the squat?")
_CONTINUES = re.compile(r"^\s*(?:ok(?:ay)?,?\s+)?(?:and|so|then|also|what about|how about|"
                        r"but what about|what if|same for|and for|and what about)\b")
# words without which a guess of "cancel" does not end the interview ("skip" is an answer)
_CANCEL = re.compile(r"\b(?:cancel\w*|stop\w*|quit|abort|never\s*mind|nvm|forget|scrap|exit|"
                     r"don'?t want|no longer|not interested|leave it|enough)\b")
# "that", "those", "the same": a pointer back to what was just said
_POINTS_BACK = re.compile(r"\b(?:it|that|this|they|them|those|these|that one|this one|the same)\b")
# "which study says ...", "according to who?"
_ASKS_SOURCE = re.compile(r"\b(?:which|what) (?:study|studies|research|paper|source|sources|"
                          r"organi[sz]ation|orgs?|body|group|expert|experts)\b|"
                          r"\bwhere(?:'s|s| is| does| do| did)\b[^?.!]{0,40}\b(?:from|come from)\b|"
                          r"\bwho (?:says|said|recommends|"
                          r"suggests)\b|\baccording to (?:who|whom|what)\b|\bwhere(?: is|'s| does) (?:that|"
                          r"this|it) (?:come|from)\b|\b(?:sources?|citations?|cite|references?)\b|"
                          r"\bwho (?:wrote|write|writes|published|reviewed)\b|\b(?:first |lead )?authors?\b|"
                          r"\bpapers?\b|\bjournal\b|\breviewer'?s?\b|\bcredentials?\b|"
                          r"\bwhose (?:is it|study|paper)\b|\b(?:answers?|info|information|advice|this|that|"
                          r"it|that claim) (?:is |are )?(?:based on|backed by)\b|"
                          r"\bhow many (?:references|sources|studies|citations)\b|"
                          r"\b(?:what|which) (?:website|site|webpage|web page|page|magazine|blog)\b|"
                          r"\b(?:checked|reviewed|vetted|fact[- ]checked|approved|verified|looked at) by "
                          r"(?:a |an |any |real )?(?:doctor|medical|physician|professional|expert|"
                          r"physical therapist|physio|pt|specialist)\w*")
# asks who wrote, reviewed or published something: a reference or the article named by its title
_ASKS_AUTHOR = re.compile(r"\bwho (?:\w+ly )?(?:wrote|write|writes|published|reviewed|authored|did|ran|"
                          r"led)\b|"
                          r"\bresearchers?\b|\bscientists?\b|\bwhat year\b|\bfor a living\b|"
                          r"\buniversity\b|\bbackground\b|\bpublished in\b|"
                          r"\b(?:first |lead )?authors?\b|\bpapers?\b|\bjournal\b|\breviewer'?s?\b|"
                          r"\bcredentials?\b|\bwhose\b|\b(?:written|reviewed) by\b|\btitle\b|"
                          r"\b(?:nasm|ace|aha|acsm|acog)\b[^?.!]{0,10}\bstand for\b|"
                          r"\b(?:what|who)(?:'s|s| is| are) (?:the )?(?:nasm|ace|aha)\s*\??\s*$|"
                          r"\b(?:checked|vetted|fact[- ]checked|approved|verified) by (?:a |an |any |real )?"
                          r"(?:doctor|medical|physician|professional|expert|physical therapist|physio|pt)\w*")
# asks about the article itself: its date, website, author or reviewer ("when was it last
# updated", "what website", "is she a doctor?", "who's the writer")
_ABOUT_ARTICLE = re.compile(
    r"\bwhen (?:was|is|were|did) (?:it|this|that|the (?:article|info|information|page|post|source|"
    r"stuff))(?: \w+)? (?:last |most recently )?(?:updated|update)\b|"
    r"\bwhen (?:was|is|did) (?:the|this|your|ur) (?:article|page|post) (?:first |originally )?"
    r"(?:written|published|posted|reviewed|released|come out|came out|write|publish|post)\b|"
    r"\b(?:last|latest|recently|most recently) updated\b|\bupdated (?:when|on what date)\b|"
    r"\b(?:publish(?:ed|ing)?|publication|update) date\b|"
    r"\bhow (?:old|recent|current|up to date|up-to-date|new) is (?:it|this|that|the (?:article|info|"
    r"information|source|stuff))\b|"
    r"\b(?:what|which|wat|wich) (?:website|web site|site|webpage|web page|magazine|blog|publication|"
    r"outlet)\b|\b(?:which|what|wat) website\b|\bwebsite (?:is (?:it|this|that)|was (?:it|this|that))\b|"
    r"\b(?:is|was|iz) (?:she|he|the (?:author|writer|reviewer)) (?:a |an |even a |even an |actually a |"
    r"really a |like a )?(?:doctor|dr|physician|md|scientist|expert|qualified|legit|certified|"
    r"trainer|coach|professional|researcher|nurse|pt|physio|dietitian|nutritionist)\b|"
    r"\b(?:her|his|the author'?s|the writer'?s|the reviewer'?s) (?:qualifications?|credentials?|"
    r"background|job|degree|expertise|training)\b|"
    r"\bwho(?:'s| is| was|s) (?:the |ur |your )?(?:author|writer|reviewer)\b|"
    r"\bwho(?:'s| is| was|s) (?:sherri|amy|gordon|kwan)\b|"
    r"\bwho (?:wrote|made|reviewed|published|authored) (?:the|this|that|your|ur) (?:\w+ ){0,2}"
    r"(?:article|page|post)\b|\bwho (?:wrote|made|reviewed|published) the source\b|"
    r"\b(?:was|is|has|were) (?:it|this|that|the article|the info|the information|this info|your info|"
    r"ur info)(?: been| ever| actually| even| really)? (?:checked|reviewed|vetted|fact[- ]checked|approved|"
    r"verified|looked at) by (?:a |an |any |anyone |someone |somebody |real )?(?:doctor|medical|"
    r"physician|professional|expert|physical therapist|physio|pt|specialist)\w*|"
    r"\b(?:is|was) (?:it|this|the article) medically reviewed\b")
# which of the article's own details a question about it asks for: its reviewer, date, website,
# author, or a person named by a pronoun ("what's her background": the one just named)
_ARTICLE_DETAILS = (
    ("reviewer", re.compile(r"\breview\w*|\bchecked by\b|\bvetted\b|\bfact[- ]check\w*|\bmedical(?:ly)?\b|"
                            r"\bphysical therapist\b|\bphysio\b|\bamy\b|\bkwan\b")),
    ("date", re.compile(r"\bwhen\b|\bupdated?\b|\bdate\b|\bhow (?:old|recent|current|new|up to date)\b|"
                        r"\byear\b")),
    ("site", re.compile(r"\bweb ?site\b|\bsite\b|\bweb ?page\b|\bmagazine\b|\bblog\b|\bpublication\b|"
                        r"\boutlet\b")),
    ("author", re.compile(r"\bauthor\w*|\bwriter\b|\bwr[io]te\b|\bwritten\b|\bsherri\b|\bgordon\b")),
    ("person", re.compile(r"\b(?:she|her|he|his|him)\b|\bqualif\w*|\bcredential\w*|\bbackground\b|"
                          r"\bdoctor\b|\bexpert\b")))
# asks for a whole exercise or topic ("how do i do a row", "squat form"), not one detail of it
_HOW_TO = re.compile(r"\b(?:how (?:do|should|would|can|to) (?:i |you |we )?(?:do|perform|execute|"
                     r"make)\b|how[- ]to\b|form\b|technique|walk me (?:through|thru|thro)|"
                     r"step[- ]by[- ]step|steps\b|"
                     r"instructions?|tutorial|teach me|show me|guide|explain how|proper way|"
                     r"^\s*(?:pls |please |can you |could you |can u )?explain\b|"
                     r"\bexplain (?:the |a |an )?(?:\w+ ){1,4}(?:to me|for me|like (?:i'?m|im|i am))\b|"
                     r"\bhow (?:i|u|you|we) (?:do|make|perform|execute)\b|"
                     r"correct way|break ?down|cues|"
                     r"how (?:do|does) (?:a |an |the )?(?:[a-z-]+ ){1,3}work\b|"
                     # "one arm dumbbell row how??", "how i make the row correct"
                     r"\bhow\s*\?*\s*$|"
                     r"\bhow (?!many|much|long|often|heavy|far|big|wide|fast|soon)[^.?!]{0,40}"
                     r"\b(?:correct(?:ly)?|properly|the right way)\b)")
# "start over": restart what is under way
_RESTART = re.compile(r"\b(?:start (?:over|again|afresh|from scratch|from the (?:beginning|top))|"
                      r"restart|reset|from scratch|begin again|redo (?:the|my) (?:plan|questions))\b")
# "i didn't say strength": corrects what the bot took from an earlier message
_CORRECTION = re.compile(r"\bi (?:didn'?t|did not|never|dont|don'?t) "
                         r"(?:say|said|mean|meant|ask|asked|want)\b|"
                         r"\bnot what i (?:said|meant|asked)\b|(?<!am )(?<!was )\bi meant\b|"
                         r"\bthat'?s not what\b|"
                         r"\bno,? i (?:said|meant)\b")
# "the first one", "the other one": an item of the last answer's list
# ("should we check with a doctor first" is "beforehand", not the first item)
_ITEM_REF = [("first", re.compile(r"\b(?:the|that) (?:very )?(?:first|1st|former)\b|"
                                  r"\b(?:first|1st) (?:one|kind|type|thing|exercise|move|lift|step)\b|"
                                  r"^\W*(?:(?:and|so|ok|okay)\W+)?(?:first|1st|former)\W*$")),
             # "the last one", "the third": the end of the last answer's list (not "the last time")
             ("last", re.compile(r"\b(?:the (?:last|third|3rd|final)|last one)"
                                 r"(?: one| exercise| move| lift)?\b"
                                 r"(?! (?:time|week|month|year|set|rep|day|session|workout|night)s?\b)")),
             # (not "other muscles", "other people": "other" naming more of something)
             ("other", re.compile(r"\b(?:the )?(?:other|second|2nd|latter)"
                                  r"(?: (?:one|kind|type|thing|exercise|move|lift|side|arm|leg|half))?\b"
                                  r"(?! (?!one\b|kind\b|type\b|thing\b|exercise\b|move\b|lift\b|side\b|"
                                  r"arm\b|leg\b|half\b)(?:[a-z]{3,}s|people|stuff|equipment|gear|folks|"
                                  r"men|women|children)\b)")),
             # "which one is better for size?": one of the things the last answer weighed
             ("which", re.compile(r"\bwhich (?:one|of (?:them|those|these|the two)|is (?:better|best)|"
                                  r"works (?:better|best)|should i (?:pick|choose|go with|use|do|go for)|"
                                  r"(?:do|would) you recommend|is (?:right|for) me|"
                                  # "which matters more?", "which is more important"
                                  r"(?:matters|counts|helps|is|s) (?:more|most|the most)(?: important)?|"
                                  r"is (?:the )?(?:more|most) (?:important|useful|effective)|"
                                  r"is (?:the )?(?:biggest|main|most important)(?: one)?)\b|"
                                  r"\bwhat(?:'s|s| is) (?:more|most) important\s*[?!.]*$")),
             # "the metabolic one", "and the base thing?": an item or fact of the last answer by a word
             ("named", re.compile(r"\bthe (?!first\b|other\b|second\b|last\b|same\b|next\b|"
                                  r"best\b|right\b|only\b|whole\b|main\b)[a-z]+ "
                                  r"(?:one|kind|type|thing|part|bit)\b"))]
# a meal plan, menu or diet plan: outside the coach, whatever its topic words
_MEAL_PLAN = re.compile(r"\b(?:meal|diet|food|nutrition|eating|bulking|cutting) (?:plan|planner|"
                        r"schedule|prep)s?\b|\bmenus?\b|\bmeals? for (?:each|every) day\b|"
                        r"\bwhat (?:to|should i) eat (?:each|every) day\b|\bgrocery list\b")
# a task for an assistant that acts in the world, not a coach that answers ("book me a session at
# my gym", "translate 'squat' to german", "set a timer for my rest", "order me some dumbbells")
_TASK = re.compile(r"^\W*(?:(?:hey|hi|ok(?:ay)?|so|yo)\W+)?"
                   r"(?:(?:can|could|would|will) (?:you|u) (?:please |pls )?|(?:please|pls|plz) )?"
                   r"(?:book|reserve|order|buy|purchase|translate|call|phone|email|"
                   r"text|message|remind me (?:to|at|in|every|tomorrow|tonight|later)|"
                   r"set (?:an? |me an? )?(?:alarm|reminder|timer)|schedule (?:an? |my )?(?:session|"
                   r"appointment|class|call|meeting)|sign me up|register me|cancel my|"
                   r"find me an? (?:gym|trainer|physio))\b")
# a medical test, scan or result to read ("my x-ray report says ...", "my CK is 900"): for a doctor
_MEDICAL_RESULT = re.compile(
    r"\b(?:blood (?:test|work|results?|panel)s?|x-?rays?|mri|ct scan|ultrasound|ecg|ekg|"
    r"bloodwork|lab (?:results?|work|report)s?|test results?|biopsy|my (?:report|results|labs)|"
    r"(?:ck|cpk|creatine kinase|cholesterol|a1c|hba1c|blood sugar|psa|testosterone|vitamin d) "
    r"(?:is|was|level|levels|of|at|came back)|(?:report|results?|scan|x-?ray) (?:says|said|shows?|"
    r"showed|came back))\b")
# says something kind ("ur actually pretty helpful ngl"), with no word of complaint in it
_PRAISE = re.compile(r"\b(?:helpful|great|awesome|amazing|brilliant|legend|love (?:it|this|you|u)|nice|"
                     r"cool|good (?:bot|job|stuff|answer|one)|goated|the best|so good|clutch|"
                     r"lifesaver|appreciate)\b")
_NOT_PRAISE = re.compile(r"\b(?:not|n'?t|never|no|useless|unhelpful|wrong|bad|worst|stupid|dumb|"
                         r"annoying|wtf|bs)\b|\bisnt\b|\bwasnt\b|\bdont\b")
# asks for help with something ("can u help me do my taxes"): what with
_HELP_WITH = re.compile(r"\bhelp (?:me |us )?(?:with|do|doing|on|to|out with|fix|write|find) "
                        r"(?P<what>[^?.!]+)")
# opens with a greeting ("hello! first time here, what is this")
_GREETS = re.compile(r"^\s*(?:hi+|hello+|hey+|heya|hiya|yo|howdy|hola|good (?:morning|afternoon|evening)|"
                     r"morning|evening|sup|wassup|greetings)\b")
# asks about the sources as a whole ("how many references does it have", "list your sources")
_SOURCES_OVERVIEW = re.compile(
    r"\bhow many (?:references|sources|studies|citations|papers)\b|"
    r"\b(?:list|all|every one) (?:of )?(?:the |your |its )?(?:references|sources|citations)\b|"
    r"\bwhat (?:are|r) (?:the |your |its )?(?:references|sources)\b")
# asks what a body sign is ("my knee clicks when i squat but no pain, what is it?"): a diagnosis
_ASKS_DIAGNOSIS = re.compile(
    r"\b(?:click\w*|pop|pops|popping|crack\w*|grind\w*|twitch\w*|tingl\w*|lump|bump|rash|"
    r"bruis\w*|clunk\w*|snap\w*|creak\w*)\b[^?]{0,60}\b(?:what(?:'s|s| is) (?:it|this|that|wrong|"
    r"going on|happening|causing (?:it|this|that)|that from)|why (?:does|do|is) (?:it|this|that)|"
    r"is (?:it|this|that) (?:normal|bad|serious|dangerous|a problem|something)|should i (?:be )?worr\w*)\b|"
    r"\bwhy (?:does|do|is|are) my (?:\w+ ){1,2}(?:click\w*|pop\w*|crack\w*|grind\w*|twitch\w*|"
    r"tingl\w*|creak\w*|clunk\w*)\b")
# "tell me about rest", "what does the article say about older adults", "info on volume?": the
# topic is X, whatever the frame around it reads as ("tell me" ~ ask_more, "article" ~ sources).
# Not "tell me more about ...", which asks to go on with the last answer.
_ABOUT = re.compile(
    r"^\s*(?:(?:hey|hi|ok|okay|so|and|yo)\W+)?(?:(?:can|could|would|will) you\s+)?(?:please\s+)?"
    r"(?:tell me|talk(?: to me)?|teach me|explain|educate me|fill me in|info|information|details|"
    r"(?:what|anything) (?:do|does|did) (?:you|the (?:article|research|science|studies|study|"
    r"experts|sources?|text)|your (?:article|sources?|research)|it|they) (?:know|say|said|have)|"
    r"what(?:'s| is) (?:known|said)|anything)\s+(?:about|on|regarding|re)\s+"
    r"(?P<topic>(?!more\b)[^?.!]+?)(?:\W+(?:please|pls|thanks|thank you|coach|mate|bro|man|then|now|"
    r"too|tho|though|again))?"
    r"\s*[?.!]*\s*$")
# "metabolic stress - what is it in gym terms", "sarcoplasmic?? explain": the thing named first
_NAMED_FIRST = re.compile(
    r"^\s*(?P<topic>[a-z][a-z' -]{2,40}?)\s*(?:[-:,?]+|\u2014|\u2013)+\s*(?:so\s+)?"
    r"(?:what(?:'s| is) (?:it|that|this)|what does (?:it|that|this) mean|"
    r"explain(?: it| that| pls| please)?|meaning|means what)\b")
# "what do you mean by experience?", "what counts as a full gym": asks what a question means
_ASKS_MEANING = re.compile(
    r"\bwhat (?:do|did) (?:you|u) mean\b|\bwhat does (?:that|this|it) mean\b|"
    r"\bwhat (?:counts|qualifies) as\b|\bhow do (?:i|you) (?:know|tell) (?:if|whether|which|what)\b|"
    r"\bwhich (?:one )?am i\b|\bwhat(?:'s|s| is) the difference between (?:a )?(?:beginner|"
    r"intermediate|advanced|dumbbells?|bodyweight|full gym|the (?:options|levels|choices|three|3)|"
    r"them|those|these)\b|"
    r"\bwhat (?:are|r) the (?:options|levels|choices)\b|\bnot sure what (?:you mean|that means|"
    r"to (?:say|pick|choose|put))\b|\bnot sure (?:which|if i'?m)\b|"
    r"\bwhat(?:'s| is| does) (?:an? )?(?:beginner|intermediate|advanced|full gym)(?: mean)?\s*\??$")
# "let's keep going", "continue the plan": go on with an interview stopped earlier
_RESUME = re.compile(r"\b(?:keep going|carry on|continue|resume|go on|pick (?:it )?up where|"
                     r"back to (?:the|my) plan|finish (?:the|my) plan|let'?s (?:finish|continue))\b")
_WORD = re.compile(r"[a-z][a-z'-]*")
_FIRST_SENTENCE = re.compile(r"[^.;!?]*[^.;!?\s][.;!?]+(?=\s)")  # "none." of "none. oh and ..."
# "wait what?", "huh?", "come again?", "i dont get it": the last answer did not land; "in simpler
# words?", "too long, shorter", "explain it like im 5": the same, asked for short and simple
_AGAIN_FILLER = r"(?:wait|sorry|um+|uh+|hm+|ok(?:ay)?|so|lol|bro|dude|man|coach|yeah|yea|hey|erm|ugh)"
_AGAIN_PHRASE = (
    r"(?:what+|wut|wat|huh+|eh|come again|say (?:that|it) again|pardon|"
    r"i (?:still )?(?:don'?t|dont|do not) (?:get|understand)(?: it| that| this| what you mean)?|"
    r"i'?m (?:confused|lost)|im (?:confused|lost)|confused|you lost me|lost me|wdym|"
    r"what do you mean|what does that mean|in english|english please|"
    r"(?:(?:can|could) (?:you|u) )?(?:explain|say|put|tell me) (?:that|it|this)? ?(?:again|simpler|"
    r"more simply|easier|in (?:simple|simpler|plain|easy|normal|basic|layman'?s?) "
    r"(?:words|english|terms|language)|like (?:i'?m|im|i am) (?:5|five|a (?:kid|child|beginner|"
    r"noob|newbie)|dumb|stupid|new|an idiot))|"
    r"(?:in )?(?:simpler|simple|plain|easier|normal|basic|layman'?s?) (?:words|english|terms|"
    r"language)|simpler|simplify(?: (?:that|it|this))?|make (?:it|that|this) simple(?:r)?|"
    r"dumb (?:it|that|this) down|eli5|"
    r"(?:way |far |much |a bit |kinda |so |bit )?too (?:complicated|technical|complex|much text|wordy|long)|"
    r"(?:that'?s|thats|its|it'?s) (?:too )?(?:complicated|confusing|a lot|long)|"
    r"(?:(?:can|could) (?:you|u) )?(?:say|make|put|give me) (?:that|it|this) "
    r"(?:shorter|short|briefer|simpler)|(?:the |a )?short(?:er)? (?:version|answer)|shorter|"
    r"in a nutshell|summari[sz]e(?: (?:that|it|this))?|tl;?dr|"
    r"too long(?:,? didn'?t read)?|in short|"
    # "huh? in seconds pls": the same answer, put in a unit
    r"in (?:seconds|secs|minutes|mins|numbers|plain numbers|figures))")
_ASKS_AGAIN = re.compile(
    rf"^\s*(?:{_AGAIN_FILLER}[\s,.]*){{0,2}}{_AGAIN_PHRASE}"
    rf"(?:[\s,.!?]+(?:and |so |just )?(?:please |pls |plz )?{_AGAIN_PHRASE})?"
    r"(?: for me)?\s*(?:please|pls|plz|lol|bro|coach|thanks|thx|mate|man)?[\s?!.]*$")
# "examples?", "like what?", "such as?", "list them", "which ones?": a short message that asks for
# the things the last answer named or could name
_ASKS_EXAMPLES = re.compile(
    r"^\W*(?:(?:and|so|ok(?:ay)?|like|hm+|um+|yeah|cool)\W+)?"
    r"(?:(?:any|some|got any|give me|gimme|can (?:you|u) give(?: me)?|could (?:you|u) give(?: me)?|"
    r"what are (?:some|a few)|a few|an?|name (?:some|a few)|some|more) ){0,2}"
    r"(?:examples?|for (?:example|instance)|like what|such as|e\.?g\.?|which ones?|what ones|"
    r"name (?:some|a few|them|em)|list (?:them|those|these|em|'?em|it)|"
    r"what are (?:they|those|these)|what (?:kinds?|sorts?|types?) exactly|"
    r"(?:any )?others?|anything else like that|which (?:\w+ )?(?:are|r) (?:they|those))"
    r"\W*(?:please|pls|plz|then|tho|though|quick(?:ly)?)?\W*$")
# "is that a minimum or a max?", "is that per muscle?", "that's the upper limit?": how the last
# answer's number is meant
_ASKS_BOUND = re.compile(
    r"^\W*(?:(?:and|so|ok(?:ay)?|wait|hm+|um+)\W+)?(?:is (?:that|it|this)|that'?s|thats|it'?s|its|"
    r"are (?:those|these|they)|do you mean|you mean|is the \w+)?\s*(?:the |a |an )?"
    r"(?P<bound>(?:minimum|min|maximum|max|at least|at most|upper (?:limit|end)|lower (?:limit|end)|"
    r"ceiling|cap|floor|the most|the least)(?: or (?:a |the )?(?:minimum|min|maximum|max|at least|"
    r"at most|upper (?:limit|end)|lower (?:limit|end)|ceiling|cap|floor))?|"
    r"per (?:muscle(?: group)?|body ?part|exercise|session|workout|week|day|side|arm|leg|set)"
    r"(?: or (?:per )?(?:muscle(?: group)?|body ?part|exercise|session|workout|week|day|side|arm|"
    r"leg|set))?)"
    r"\W*(?:or (?:total|in total|overall|all together|altogether|what|something)|total|"
    r"in total|overall|then|tho|though|right)?\W*$")
# words that point at the one being talked to: "are you a bot?", "is this automatic?", "whos on the
# other end"; a "bot challenge" without any ("is strength important if im not an athlete") misfired
_ADDRESSES_BOT = re.compile(r"\b(?:you|u|ur|your|youre|you'?re|yourself|ya|bot|robot|ai|human|"
                            r"person|real|chatbot|machine|program|gpt|chatgpt|computer|software|"
                            r"script|automated|automatic|sentient|conscious|alive|algorithm|someone|"
                            r"anyone|somebody|people|who|whos|who'?s|llm|this|talking|end|siri|"
                            r"alexa|claude|assistant)\b")


# two numbers weighed against each other ("60 or 90 sec rest, which one", "6 reps or 12 reps which
# is better"), and the "which" words around them, left out when the rest is read alone
# asks why the interview wants to know something ("why do you need to know about injuries?")
_WHY_ASKED = re.compile(
    r"\bwhy (?:do|would|did) (?:you|u) (?:need|want|have) to know\b(?P<a>[^.?!]{0,40})|"
    r"\bwhy (?:do|did) (?:you|u) (?:ask|need|want)\b(?P<b>[^.?!]{0,40})|"
    r"\bwhy (?:does|do|is|are) (?P<c>[^.?!]{0,30}) (?:matter|important|relevant|needed)\b|"
    r"\bwhat (?:do|would) (?:you|u) need (?P<d>[^.?!]{0,30}) for\b")
# the interview question a why names, by its words
_ASKED_SLOTS = [("injuries", re.compile(r"\b(?:injur\w*|health|conditions?|medical|pain|surgery)\b")),
                ("experience", re.compile(r"\b(?:experience|level|beginner|how long i)\b")),
                ("days", re.compile(r"\b(?:days?|how often|how many times)\b")),
                ("equipment", re.compile(r"\b(?:equipment|gear|dumbbells?|gym|weights)\b")),
                ("duration", re.compile(r"\b(?:minutes?|time|how long (?:each|per|a) )\b"))]
# a step of an exercise named by its number: "step 3", "the 2nd step", "the last step"
_ORDINALS = {"first": 1, "1st": 1, "one": 1, "second": 2, "2nd": 2, "two": 2, "third": 3, "3rd": 3,
             "three": 3, "fourth": 4, "4th": 4, "four": 4, "fifth": 5, "5th": 5, "five": 5,
             "sixth": 6, "6th": 6, "six": 6, "seventh": 7, "7th": 7, "seven": 7, "last": -1,
             "final": -1}
_STEP_NUMBER = re.compile(
    r"\bstep\s*(?:#|no\.?|number|nr\.?)?\s*(?P<n>[1-9]|one|two|three|four|five|six|seven)\b|"
    # "skull crusher starting position?": the first step (not "back to the starting position")
    r"(?<!back to )(?<!back in )(?<!back into )\b(?:the |my )?"
    r"(?P<p>start(?:ing)? position|set[- ]?up position)\s*[?!.]*\s*$|"
    # "how do i start a dumbbell row": how to begin is its first step
    r"\bhow (?:do|should|would|can) (?:i|you|u|we) (?P<s>start|begin|set up for) (?:a |an |the |my )?"
    r"(?:dumbbell |db |one[- ]arm )?(?:row|squat|skull ?crusher|movement|exercise|lift)s?\s*[?!.]*\s*$|"
    r"\b(?P<o>first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|seventh|7th|last|final) "
    r"(?:step|instruction|cue|bit of the steps)\b")
NUMBER_CHOICE = re.compile(r"\b\d+\s*(?:s|secs?|seconds?|mins?|minutes?|reps?|sets?|x)?\s*"
                           r"(?:or|vs\.?|versus|v)\s*\d+\b")
WHICH_WORDS = re.compile(r"\b(?:which|what)(?: one| is| s|'s)?(?: (?:better|best|right|it|correct))?\b"
                         r"|\bwhich\b|[?,]")
# the word a short follow-up points back with ("how do i get more of it?")
_POINTER = re.compile(r"\b(?:it|that|this|them|those|these|that one|this one)\b")


def with_antecedent(text: str, antecedent: str) -> str | None:
    """The message with its first pointer word put as what it points at ("how do i get more of
    it?" after metabolic stress -> "how do i get more of metabolic stress?"); None without one."""
    new, count = _POINTER.subn(antecedent, text, count=1)
    return new if count else None


class DiscourseCues:
    """Adds question, why, change, continues, cancel, points_back, asks_source, how_to, words."""

    def __call__(self, doc: Doc) -> Doc:
        text = source_text(doc)
        cues: dict[str, Any] = doc.user_data.setdefault("cues", {})
        for name, rx in (("question", _QUESTION), ("why", _WHY), ("continues", _CONTINUES),
                         ("asks_again", _ASKS_AGAIN), ("asks_examples", _ASKS_EXAMPLES)):
            if rx.search(text):
                cues[name] = True
        for name, rx in (("change", _CHANGE), ("cancel", _CANCEL), ("points_back", _POINTS_BACK),
                         ("asks_source", _ASKS_SOURCE), ("asks_author", _ASKS_AUTHOR),
                         ("how_to", _HOW_TO),
                         ("restart", _RESTART), ("correction", _CORRECTION),
                         ("meal_plan", _MEAL_PLAN), ("medical_result", _MEDICAL_RESULT),
                         ("task", _TASK),
                         ("asks_meaning", _ASKS_MEANING), ("resume", _RESUME),
                         ("asks_diagnosis", _ASKS_DIAGNOSIS),
                         ("sources_overview", _SOURCES_OVERVIEW),
                         ("about_article", _ABOUT_ARTICLE)):
            if rx.search(text):
                cues[name] = True
        if cues.get("about_article") or cues.get("asks_author"):
            detail = next((name for name, rx in _ARTICLE_DETAILS if rx.search(text)), None)
            if detail:
                cues["article_detail"] = detail
        bound = _ASKS_BOUND.search(text)
        if bound:
            cues["asks_bound"] = bound.group("bound")
        asked = _WHY_ASKED.search(text)
        if asked:
            words = " ".join(g for g in asked.groups() if g)
            cues["why_asked"] = next((slot for slot, rx in _ASKED_SLOTS if rx.search(words)), "")
        step = _STEP_NUMBER.search(text)
        if step:
            word = (step.group("n") or step.group("o") or "first").lower()  # ("s", "p": the first)
            cues["step_number"] = int(word) if word.isdigit() else _ORDINALS[word]
        if NUMBER_CHOICE.search(text):
            cues["number_choice"] = True  # (its "which one" weighs the numbers, no listed items)
        for ref, rx in _ITEM_REF:
            if cues.get("number_choice") and ref == "which":
                continue
            if rx.search(text):
                cues["item_ref"] = ref
                break
        if _PRAISE.search(text) and not _NOT_PRAISE.search(text):
            cues["praise"] = True
        help_with = _HELP_WITH.search(doc.text)
        if help_with:
            cues["help_with"] = help_with.group("what").strip()
        if _GREETS.search(text):
            cues["greets"] = True
        if _ADDRESSES_BOT.search(doc.text):
            cues["addresses_bot"] = True
        # on the corrected words ("can u tell me abt volume pls" -> "... you ... about ... please")
        about = _ABOUT.match(doc.text)
        if about and not re.search(r"\bmore\b", about.group(0)):
            cues["about"] = about.group("topic")
            # "what does your source say about diet?" asks what it says, not where it comes from
            cues.pop("asks_source", None)
        named = _NAMED_FIRST.match(doc.text)
        if named and not about:
            cues["about"] = named.group("topic")
            cues["names_first"] = True
        first = _FIRST_SENTENCE.match(text)
        if first and text[first.end():].strip():
            cues["first_sentence_end"] = to_source(doc, first.end(), end=True)
        cues["words"] = sorted(set(_WORD.findall(text)))
        _word_senses(doc)
        return doc


# "the rest" meaning the others ("which body parts need more sets than the rest", "the rest of my
# muscles"), not rest between sets
_REST_AS_OTHERS = frozenset({"than", "all", "with", "from", "vs", "versus"})
_OTHERS_OF = frozenset({"body", "muscles", "muscle", "bodyparts", "parts", "groups", "exercises"})


# "what kind of exercises", "which type of lifts": which exercises, not the types of hypertrophy
_KIND_WORDS = frozenset({"kind", "kinds", "type", "types", "sort", "sorts"})
_MOVES = frozenset({"moves", "movements", "lifts"})
_WHICH_MOVES = frozenset({"what", "which", "best", "good", "some", "any", "other", "more", "new",
                          "different", "favorite", "fav", "top", "main", "big", "basic"})
_EXERCISE_WORDS = frozenset({"exercises", "moves", "lifts",
                             "movements", "workouts", "machines"})


def _word_senses(doc: Doc) -> None:
    """Gives a few words the lemma of what they mean here, for the classifier (which reads lemmas):
    "the rest" meaning the others is "other", not rest between sets; "kind of exercises" is
    "which", not the kinds of hypertrophy; "what moves" is "what exercise"; "split them up" is
    "spread", not a training split (and no uncovered subject either)."""
    verb_splits = []
    for tok in doc:
        after = [t.lower_ for t in doc[tok.i + 1: tok.i + 4]]
        if tok.lower_ in _KIND_WORDS and after[:1] == ["of"] and after[1:2] \
                and after[1] in _EXERCISE_WORDS:
            tok.lemma_ = "which"
        elif tok.lower_ == "split" and (after[:1] in (["up"], ["between"], ["across"], ["over"], ["evenly"])
                                        or after[1:2] in (["up"], ["between"], ["across"], ["over"])):
            tok.lemma_ = "spread"
            verb_splits.append(tok.i)
        elif tok.lower_ in _MOVES and tok.i > 0 and doc[tok.i - 1].lower_ in _WHICH_MOVES:
            tok.lemma_ = "exercise"  # "what moves", "best lifts": which exercises
        elif tok.lower_ == "rest" and tok.i > 0 and doc[tok.i - 1].lower_ == "the":
            before = doc[tok.i - 2].lower_ if tok.i >= 2 else ""
            if before in _REST_AS_OTHERS or (after[:1] == ["of"] and _OTHERS_OF & set(after[1:])):
                tok.lemma_ = "other"
    if verb_splits:
        doc.ents = [e for e in doc.ents if not (e.label_ == "subject" and e.start in verb_splits)]


@Language.factory("coach_discourse_cues")
def make_discourse_cues(nlp: Language, name: str) -> DiscourseCues:
    """Factory registered for config.yml."""
    return DiscourseCues()
