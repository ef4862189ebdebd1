"""Tuning of reading answer keys as teachers write them (see :mod:`marker.answer_keys`)."""

from __future__ import annotations

from pydantic import Field

from .base import _Section, _word_list


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
