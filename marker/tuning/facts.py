"""Tuning of the facts stage: when a date in an answer is flagged against the knowledge base."""

from __future__ import annotations

from pydantic import Field

from .base import _Section, _word_list


class FactsTuning(_Section):
    """When a date in an answer is flagged against the knowledge base."""

    dated_kinds: tuple[str, ...] = Field(
        default=_word_list("event treaty"),
        min_length=1,
        description=(
            "Kinds of concept that have *a* date a year written beside them must fit. A person or a "
            "country has many dated facts ('Lenin in 1919' says nothing about his death), so dates "
            "beside them are never called wrong."
        ),
    )
    said_climb: int = Field(
        default=5,
        ge=1,
        le=10,
        description=(
            "Parse heads climbed from a date to the word it dates, for a fact's phrasing ('the Comintern "
            "was set up in Moscow in March 1920': from 1920 through 'in', 'Moscow' and 'in' to 'set up'). "
            "Names and prepositions are climbed through; the first verb or common noun ends the climb, "
            "as 'the war of 1920' dates the war, not the verb above it. Five reaches 'the defeat of the "
            "Red Army outside Warsaw in August 1921' without leaving the clause."
        ),
    )
    relative_prepositions: tuple[str, ...] = Field(
        default=_word_list("by before after since until till"),
        min_length=1,
        description=(
            "A date after one of these is a bound, not the date of what is said: 'by 1923 the Treaty of "
            "Rapallo had given Germany training grounds' and 'after 1921 the blockade was over' are true, "
            "so such dates are never called wrong."
        ),
    )
    pronouns: tuple[str, ...] = Field(
        default=_word_list("he she they it"),
        min_length=1,
        description=(
            "Subject pronouns that stand for a concept named earlier in the sentence, for a fact's "
            "phrasing: 'Kolchak was handed over at Irkutsk, where he was shot in February 1921'."
        ),
    )
    period_slack_years: int = Field(
        default=1,
        ge=0,
        le=20,
        description=(
            "Years either side of the question's period still treated as inside it, by the fact check "
            "and by the structure's out-of-period paragraphs: a year just before or after the period "
            "is usually its cause or first consequence, or a boundary year misremembered by one, not "
            "evidence from another period."
        ),
    )
    reliance_min_sentences: int = Field(
        default=2,
        ge=1,
        le=20,
        description=(
            "An event or year outside the question's period is noted only when the argument relies on it "
            "as evidence: its paragraph has at least this many sentences whose dated references all lie "
            "on that side of the period. One sentence of background ('Germany resented Versailles after "
            "the First World War') is context, which examiners credit (issue 11's objection), and so is "
            "one on what came later ('the USA did not recognise the USSR until 1933'; since stop 33). "
            "Also asked of the structure's out-of-period paragraphs of earlier dates."
        ),
    )
    reliance_min_references: int = Field(
        default=2,
        ge=1,
        le=20,
        description=(
            "... naming at least this many distinct earlier events or years: Versailles recalled twice "
            "in a paragraph on Rapallo's military clauses is one piece of background."
        ),
    )
    reliance_share: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description=(
            "... and those sentences make at least this share of the paragraph's sentences with a dated "
            "reference (a year written, an event or treaty of the topic's facts named): the paragraph "
            "is built on them. A paragraph on Rapallo that recalls Versailles on the way is not; one "
            "built on 1914-1917 is. With these defaults the mark snapshot (validation set, shipped and "
            "imported model answers) drops the period notes of 28 answers, all on background before "
            "the period, and keeps those of the narratives that retell it paragraph by paragraph "
            "(rapallo 02 and 08, two model answers); no mark changes, as notes never move marks."
        ),
    )
