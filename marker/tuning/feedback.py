"""Tuning of the feedback stage: how many next steps, quotes and examples the feedback gives."""

from __future__ import annotations

from pydantic import Field

from .base import _Section


class FeedbackTuning(_Section):
    """How many next steps, quotes and examples the feedback gives."""

    max_steps: int = Field(
        4, ge=1, le=10, description="At most this many next steps: more is a list a student does not act on."
    )
    min_steps: int = Field(
        2, ge=0, le=10, description="At least this many next steps (generic ones fill in)."
    )
    partial_steps_until: int = Field(
        2,
        ge=0,
        le=10,
        description="A partly covered point becomes a step only while there are fewer steps than this: "
        "missing points come first.",
    )
