"""Courtesy words left out of the classifier's view (bot/nlu/courtesy.py), on a blank pipeline."""

from __future__ import annotations

import spacy

from bot.nlu.courtesy import Courtesy

NLP = spacy.blank("en")
COURTESY = Courtesy(NLP.vocab)


def _kept(text: str, question: bool = True) -> str:
    doc = NLP.make_doc(text.lower())
    doc.user_data["cues"] = {"question": question}
    dropped = COURTESY.tokens(doc)
    return " ".join(t.text for t in doc if t.i not in dropped and not t.is_punct)


def test_greeting_wrapper_and_thanks_around_a_question_are_left_out() -> None:
    text = "Good morning coach. Can you please tell me the rest time between sets? Thank you very much"
    assert _kept(text) == "the rest time between sets"


def test_a_sign_off_with_a_name_is_left_out() -> None:
    assert _kept("Is it safe to lift at 60? Best regards, Ahmed") == "is it safe to lift at 60"


def test_an_apology_for_ones_english_is_left_out() -> None:
    assert _kept("Hello, sorry for my bad english. How many sets per week?") == \
        "how many sets per week"


def test_a_wrapper_that_asks_makes_a_question_without_a_question_mark() -> None:
    text = "I would like to know how many reps is best for size. Thanks in advance"
    assert _kept(text, question=False) == "how many reps is best for size"


def test_a_short_message_is_read_whole() -> None:
    assert _kept("hi there bot") == "hi there bot"
    assert _kept("tldr pls coach") == "tldr pls coach"


def test_a_statement_keeps_its_thanks() -> None:
    assert _kept("that cleared things up, thanks", question=False) == \
        "that cleared things up thanks"


def test_thanks_inside_a_message_is_kept() -> None:
    # only a closing thanks is a sign-off: "thanks to the split" is content
    assert _kept("is it thanks to the split that my arms grew?") == \
        "is it thanks to the split that my arms grew"


def test_courtesy_words_as_content_are_kept() -> None:
    # "explain" asks for a definition; "day" in "day 1" is no greeting
    assert _kept("can you explain hypertrophy like im 12") == \
        "can you explain hypertrophy like i m 12"
    assert _kept("day 1 of my plan, how many sets?") == "day 1 of my plan how many sets"
