"""Tuning of the feedback stage: how many next steps, quotes and examples the feedback gives."""

from __future__ import annotations

from pydantic import Field

from .base import ADVISORY_ONLY, _Section


class FeedbackTuning(_Section):
    """How many next steps, quotes and examples the feedback gives."""

    max_steps: int = Field(
        4,
        ge=1,
        le=10,
        json_schema_extra=ADVISORY_ONLY,
        description="At most this many next steps: more is a list a student does not act on.",
    )
    min_steps: int = Field(
        2,
        ge=0,
        le=10,
        json_schema_extra=ADVISORY_ONLY,
        description="At least this many next steps (generic ones fill in).",
    )
    one_block_words: int = Field(
        150,
        ge=1,
        le=5000,
        json_schema_extra=ADVISORY_ONLY,
        description="An essay of at least this many words written in one block is told to set itself out "
        "in paragraphs (its last next step). Marks do not depend on paragraphs, but an examiner follows an "
        "argument in paragraphs more easily; below this an answer is too short to need them.",
    )
    partial_steps_until: int = Field(
        2,
        ge=0,
        le=10,
        json_schema_extra=ADVISORY_ONLY,
        description="A partly covered point becomes a step only while there are fewer steps than this: "
        "missing points come first.",
    )
