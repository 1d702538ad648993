"""Courtesy words the intent classifier should not weigh.

A polite or formal message wraps its question in words that carry no topic: "Good morning. Can you
please tell me the recommended rest between sets? Thank you very much." A bag-of-words classifier
weighs "good morning" towards a greeting, "thank you" towards thanks and "can you please tell me"
towards whatever its training lines with those words were about, and the question is lost. The
classifier's view (LemmaView) leaves these words out of a question that says more than them;
a message that is only courtesy ("hi there", "thanks so much"), or asks nothing ("that cleared
things up, thanks"), keeps every word.

Patterns are written in a small notation, one token per space: "a|b" is any of those words, a
trailing "?" makes the token optional. They match the normalised, lower-cased tokens.
"""

from __future__ import annotations

from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

# who a greeting or a thanks is addressed to ("hi coach", "thanks bro")
_ADDRESSEE = ("coach|sir|madam|maam|ma'am|bro|man|mate|friend|there|all|everyone|everybody|team|"
              "bot|buddy|dude|guys|folks|trainer")

# at the start of a message (or after other courtesy): greetings, pleasantries, apologies
OPENERS = [
    f"hello|hi|hey|heya|hiya|howdy|greetings|yo my? {_ADDRESSEE}?",
    f"dear my? {_ADDRESSEE}",
    f"good morning|afternoon|evening|day my? {_ADDRESSEE}?",
    f"morning|afternoon|evening {_ADDRESSEE}?",
    "how are you|u doing? today?",
    "i? hope you|u 're|are doing? well|good|fine|great today?",
    "i? hope this|it finds you well",
    "i? hope you|u can help me?",
    "sorry|apologies to|for bother|disturb|bothering|disturbing you?",
    "excuse|pardon|sorry me? for? my bad|poor|broken|weak? english",
    "my english is|be not|no so|very? good|great",
    "excuse me",
    "nice|good|great to see|meet|talk to? you|ya|u",
    "quick question",
    "if you do|don't|dont n't|not? mind",
    "i have a quick? question",
    "can|may|could i ask you? a|something|one? quick? question?",
    "i want|wanted|would|'d to ask you?",
]

# anywhere: the wrapper around a question ("can you please tell me ...", "i would like to know")
WRAPPERS = [
    "can|could|would|will you please|kindly|pls? tell|advise|say|share to? me|us?",
    "can|could|would|will you please|kindly? let me know",
    "please|kindly|pls tell|advise|share to? me|us?",
    "please|kindly|pls",
    "i would|'d like to know|understand|ask about?",
    "i want|wanted|wish to know|understand about?",
    "i am|was|'m wondering if|whether you could|can tell me",
    "i wonder if|whether you could|can tell me",
    "would you mind tell|telling|explain|explaining me?",
    "i would|'d be grateful|thankful if you could|would|can tell|explain me?",
    "could|would|can you be so kind as? to tell|explain me?",
]

# at the end of a message: thanks and sign-offs ("thank you very much", "regards, Ahmed")
CLOSERS = [
    "thank|thanks you? so|very? much? in? advance?",
    "thank|thanks you? for your|the help|time|answer|reply",
    "many thanks",
    "thank|thanks a lot|ton|bunch",
    "cheers",
    "best|kind|warm? regard|regards",
    "appreciate it|that|this",
    "i appreciate your|any|the help",
    "god bless you?",
    "have a nice|good|great day|one",
]


# fewer words than this besides the courtesy: a short message ("hi there bot", "tldr pls coach")
# is read whole, its courtesy words are most of what it says
MIN_LEFT = 3


def _tokens(notation: str) -> list[dict[str, object]]:
    """One Matcher token pattern per space-separated item of the notation."""
    pattern: list[dict[str, object]] = []
    for item in notation.split():
        optional = item.endswith("?") and item != "?"
        words = item.rstrip("?").split("|") if optional else item.split("|")
        token: dict[str, object] = {"LOWER": {"IN": words}}
        if optional:
            token["OP"] = "?"
        pattern.append(token)
    return pattern


class Courtesy:
    """Finds the courtesy tokens of a normalised Doc (see the module's docstring)."""

    def __init__(self, vocab: Vocab) -> None:
        self.matcher = Matcher(vocab)
        for key, notations in (("opener", OPENERS), ("wrapper", WRAPPERS), ("closer", CLOSERS)):
            self.matcher.add(key, [_tokens(n) for n in notations])

    def tokens(self, doc: Doc) -> set[int]:
        """Indices of the courtesy tokens of a question; none when fewer than
        MIN_LEFT words would be left, so "hi there bot" or "tldr pls coach" reads whole."""
        found: dict[str, list[tuple[int, int]]] = {"opener": [], "wrapper": [], "closer": []}
        for match_id, start, end in self.matcher(doc):
            found[doc.vocab.strings[match_id]].append((start, end))
        # only a question is wrapped ("that cleared things up, thanks" is thanks): a question cue,
        # or a wrapper that asks ("i would like to know how many reps. thank you")
        if not (doc.user_data.get("cues") or {}).get("question") \
                and not any(end - start > 1 for start, end in found["wrapper"]):
            return set()
        marked: set[int] = set()
        for start, end in found["wrapper"]:
            marked.update(range(start, end))
        # openers only from the start, one after another; closers only from the end, backwards
        position = 0
        while True:
            position = _skip(doc, position, marked, forward=True)
            reach = max((end for start, end in found["opener"] if start == position), default=0)
            if not reach:
                break
            marked.update(range(position, reach))
            position = reach
        if _sign_off_name(doc, found["closer"]):  # "best regards, ahmed"
            marked.add(_last_word(doc))
        position = len(doc)
        while True:
            position = _skip(doc, position, marked, forward=False)
            reach = min((start for start, end in found["closer"] if end == position),
                        default=len(doc) + 1)
            if reach > len(doc):
                break
            marked.update(range(reach, position))
            position = reach
        if sum(not doc[i].is_punct and i not in marked for i in range(len(doc))) < MIN_LEFT:
            return set()
        return marked


def _skip(doc: Doc, position: int, marked: set[int], forward: bool) -> int:
    """Move past punctuation and tokens already marked."""
    if forward:
        while position < len(doc) and (doc[position].is_punct or position in marked):
            position += 1
        return position
    while position > 0 and (doc[position - 1].is_punct or position - 1 in marked):
        position -= 1
    return position


def _last_word(doc: Doc, before: int | None = None) -> int:
    """The index of the last token that is no punctuation (before `before`), or -1."""
    last = (len(doc) if before is None else before) - 1
    while last >= 0 and doc[last].is_punct:
        last -= 1
    return last


def _sign_off_name(doc: Doc, closers: list[tuple[int, int]]) -> bool:
    """"Best regards, Ahmed": the last word is a name right after a sign-off."""
    last = _last_word(doc)
    before = _last_word(doc, last)
    return before >= 1 and doc[last].is_alpha and any(end - 1 == before for _, end in closers)
