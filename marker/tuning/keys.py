"""Tuning of reading answer keys as teachers write them (see :mod:`marker.answer_keys`)."""

from __future__ import annotations

from pydantic import Field

from .base import _phrase_list, _Section, _word_list


class KeysTuning(_Section):
    """When a key's " or ", ";" and "/" separate alternatives, and where its key idea ends.

    Chosen by reading keys, not fitted: SemEval-2013's reference answers (full sentences, none of
    which lists alternatives) must be read as one answer, while a teacher's short key
    ("lack of money / poor harvests / war") must be read as three.
    """

    alternative_max_words: int = Field(
        6,
        ge=1,
        le=30,
        description='A key or point is cut at " or ", ";" or an unspaced "/" only when every part has at most '
        'this many words: short keys list alternatives, while a sentence\'s " or " joins words of one idea '
        '("seeing or hearing the cup fall").',
    )
    list_line_max_words: int = Field(
        20,
        ge=1,
        le=100,
        description="Lines of a key without bullets are separate answers only when each has at most this many "
        "words; longer lines are paragraphs of one model answer.",
    )
    part_label_max_words: int = Field(
        6,
        ge=1,
        le=20,
        description="A line of a key starting with a capitalised label of at most this many words and a colon "
        '("Purpose:", "Slow start (cwnd below ss_thresh):") starts a part of the key: with two or more such '
        "labelled or numbered lines, a full-mark answer must say every part (see answer_keys.key_parts).",
    )
    prose_label_verbs: frozenset[str] = Field(
        frozenset(
            _word_list(
                "is are was were am isn't aren't wasn't weren't has have had hasn't haven't hadn't does do did "
                "doesn't don't didn't can cannot can't could couldn't will won't would wouldn't shall should "
                "shouldn't may might must include includes"
            )
        ),
        description="Finite verbs that make the words before a colon a clause of running prose, not a part's "
        'label ("No single stage is large:", "The answers may include:"); counted only in lower case, so '
        'that "May 1940:" stays a label.',
    )
    prose_label_subjects: frozenset[str] = Field(
        frozenset(
            _word_list("we you he she it they it's that's there's here's what's let's we're you're they're")
        ),
        description='Subject pronouns that make the words before a colon a clause ("It works like this:"); '
        'counted in lower case or capitalised, not in capitals ("IT systems:"); "I" is left out (a Roman '
        'numeral: "Phase I:").',
    )
    prose_label_openers: tuple[str, ...] = Field(
        _phrase_list(
            "and, but, or, so, because, therefore, however, thus, hence, also, for example, for instance, "
            "in other words, that is, in short, in summary, in conclusion"
        ),
        description='Words that carry running prose on when they open the words before a colon ("For '
        'example:", "In other words:"): not a label.',
    )
    prose_label_closers: tuple[str, ...] = Field(
        _phrase_list("follows, following, such as, namely, including, like, here, below"),
        description='Words that lead into what follows when they close the words before a colon ("Two '
        'things matter here:", "The main causes are as follows:"): not a label.',
    )
    case_label_openers: frozenset[str] = Field(
        frozenset(_word_list("if when whenever while once unless until before after where how why")),
        description="Words that open a heading of a case or a question, not a sentence, however it goes on: "
        '"When the switch is closed:", "How it works:" are labels.',
    )
    points_item_max_words: int = Field(
        12,
        ge=1,
        le=100,
        description="A key listing several answers makes a question of more than one mark a points question (one "
        "mark per answer found) only when every listed answer is a phrase of at most this many words "
        '("lack of money", "Slow start"). A key that lists explanatory sentences ("The UDP header has a fixed '
        'length while the TCP header has a variable length") stays a coverage question, marked with the '
        "meaning estimate: answers say such items in their own words, which the points' word match misses. "
        "Chosen by reading keys, then checked on training answers only: on SAF's training split the three "
        "questions whose keys list sentences (1.6, 6.3, 10.1_TC, 299 answers) agree with the tutors at QWK "
        "0.034 / exact 0.371 marked by points and 0.345 / 0.562 as coverage questions (stop 23); no other "
        "public question and no question of the shipped banks moves.",
    )
    key_idea_min_new_terms: int = Field(
        2,
        ge=1,
        le=10,
        description="A clause is the key idea when it says at least this many content words the question does "
        'not already say ("The bulb stays lit" restates "Why does the bulb stay lit?").',
    )
    key_idea_breaks: frozenset[str] = Field(
        frozenset(_word_list("because so")),
        description="Words that start an elaboration: the key idea is the clause before (or after) them.",
    )
    key_idea_comma_breaks: frozenset[str] = Field(
        frozenset(_word_list("which as since therefore thus hence meaning")),
        description='Words that start an elaboration only after a comma: "a path which does not contain B" is '
        'one idea, ", which means" is an elaboration; "such as", "since 1918" and "are therefore carried" '
        "are never breaks.",
    )
    party_prepositions: frozenset[str] = Field(
        frozenset(_word_list("with")),
        description="In an imported levels question, a place with a government that the answers make the "
        'object of one of these is a party to something ("the armistice with Germany", "a treaty with '
        'Britain"): a country, which a town never is. Not "against", which also takes a target ("an attack '
        'against Moscow"), nor "to", which also takes a destination ("troops to Vladivostok").',
    )
