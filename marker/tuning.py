"""Every tuning number and word list of the marking engine, in one validated, documented place.

Each value is a pydantic field with bounds (so a slip such as a share of 6 instead of 0.6
fails at import) and a description saying why it has its value: which data it was chosen
on, or what it guards against. The stages read them from :data:`TUNING`; nothing in a stage
hides a bare number that changes a mark.

Sections follow the stages of marking (see ``marker/engine.py``): evidence, points,
structure, features, guards, placement, feedback, and the fact check.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- evidence


class EvidenceTuning(_Section):
    """How the evidence stage reads an answer (copied text, filler, model-answer match)."""


# --------------------------------------------------------------------------- points


class PointsTuning(_Section):
    """When a mark-scheme point counts as credited or partly credited."""


# --------------------------------------------------------------------------- structure


class StructureTuning(_Section):
    """Thesis, conclusion, drift and period checks."""


# --------------------------------------------------------------------------- features


class FeaturesTuning(_Section):
    """The answer-level measures placement reads."""


# --------------------------------------------------------------------------- guards


class GuardsTuning(_Section):
    """Advisories and the caps they put on gamed or unusual answers."""


# --------------------------------------------------------------------------- placement


class PlacementTuning(_Section):
    """The levels ladder, points thresholds and coverage scaling."""


# --------------------------------------------------------------------------- fact check


class FactsTuning(_Section):
    """When a date in an answer is flagged against the knowledge base."""


# --------------------------------------------------------------------------- feedback


class FeedbackTuning(_Section):
    """How many next steps, quotes and examples the feedback gives."""


class Tuning(_Section):
    """All sections together."""

    evidence: EvidenceTuning = Field(default_factory=EvidenceTuning)
    points: PointsTuning = Field(default_factory=PointsTuning)
    structure: StructureTuning = Field(default_factory=StructureTuning)
    features: FeaturesTuning = Field(default_factory=FeaturesTuning)
    guards: GuardsTuning = Field(default_factory=GuardsTuning)
    placement: PlacementTuning = Field(default_factory=PlacementTuning)
    facts: FactsTuning = Field(default_factory=FactsTuning)
    feedback: FeedbackTuning = Field(default_factory=FeedbackTuning)


#: The values in force (validated when this module is imported).
TUNING = Tuning()
