"""Every tuning number and word list of the marking engine, in one validated, documented place.

Each value is a pydantic field with bounds (so a slip such as a share of 6 instead of 0.6
fails at import) and a description saying why it has its value: which data it was chosen
on, or what it guards against. The stages read them from :data:`TUNING`; nothing in a stage
hides a bare number that changes a mark.

Sections follow the stages of marking (see ``marker/engine.py``): evidence, points,
structure, features, guards, placement, feedback, and the fact check; ``keys`` reads imported
answer keys and ``ocr`` reads scans and photos of scripts; ``access`` is not about marks: it
hashes students' codes and slows down guessing in the app's class mode.

The sections live in one module per stage of this package; :data:`TUNING` holds them all.
"""

from __future__ import annotations

from pydantic import Field

from .access import AccessTuning
from .base import _Section
from .evidence import GENERIC_TERMS, EvidenceTuning
from .facts import FactsTuning
from .features import FeaturesTuning
from .feedback import FeedbackTuning
from .guards import GuardsTuning
from .keys import KeysTuning
from .ocr import OcrTuning
from .placement import PlacementTuning
from .points import PointsTuning
from .structure import ConceptsTuning, RolesTuning, StructureTuning

__all__ = [
    "TUNING",
    "Tuning",
    "GENERIC_TERMS",
    "EvidenceTuning",
    "PointsTuning",
    "StructureTuning",
    "RolesTuning",
    "ConceptsTuning",
    "FeaturesTuning",
    "GuardsTuning",
    "PlacementTuning",
    "FactsTuning",
    "FeedbackTuning",
    "KeysTuning",
    "OcrTuning",
    "AccessTuning",
]


class Tuning(_Section):
    """All sections together."""

    evidence: EvidenceTuning = Field(default_factory=EvidenceTuning)
    points: PointsTuning = Field(default_factory=PointsTuning)
    structure: StructureTuning = Field(default_factory=StructureTuning)
    roles: RolesTuning = Field(default_factory=RolesTuning)
    concepts: ConceptsTuning = Field(default_factory=ConceptsTuning)
    features: FeaturesTuning = Field(default_factory=FeaturesTuning)
    guards: GuardsTuning = Field(default_factory=GuardsTuning)
    placement: PlacementTuning = Field(default_factory=PlacementTuning)
    facts: FactsTuning = Field(default_factory=FactsTuning)
    feedback: FeedbackTuning = Field(default_factory=FeedbackTuning)
    keys: KeysTuning = Field(default_factory=KeysTuning)
    ocr: OcrTuning = Field(default_factory=OcrTuning)
    access: AccessTuning = Field(default_factory=AccessTuning)


#: The values in force (validated when this module is imported).
TUNING = Tuning()
