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
