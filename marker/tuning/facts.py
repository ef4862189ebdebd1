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
            "as evidence: its paragraph has out-of-period references in at least this many sentences. "
            "One sentence of background ('Germany resented Versailles after the First World War') is "
            "context, which examiners credit, not evidence from another period (issue 11's objection). "
            "Also asked of the structure's out-of-period paragraphs."
        ),
    )
    reliance_min_references: int = Field(
        default=2,
        ge=1,
        le=20,
        description=(
            "... naming at least this many distinct out-of-period events or years: Versailles recalled "
            "twice in a paragraph on Rapallo's military clauses is one piece of background."
        ),
    )
    reliance_share: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description=(
            "... and at least this share of the paragraph's distinct dated references (years written, "
            "and events or treaties of the topic's facts named) lie outside the period: the paragraph is "
            "built on them. A paragraph on Rapallo that recalls Versailles and Brest-Litovsk on the way "
            "is not; one built on 1914-1917 is. With these defaults, 6 of the 44 answers of the mark "
            "snapshot (validation set, shipped and imported model answers) that had period notes keep "
            "them: the narratives whose paragraphs retell the background (rapallo 02 and 08, "
            "allied-intervention 21 on 1924 Britain, rapallo 12 on 1926-27, two model answers' "
            "background paragraphs); no mark changes, the notes never did."
        ),
    )
