"""What every tuning section shares: the section base class and value types."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

#: A share of something, 0..1.
Share = Annotated[float, Field(ge=0, le=1)]

#: A count of sentences or details.
Count = Annotated[int, Field(ge=0, le=500)]

#: The rungs of judgement, lowest first (see marker.features.JUDGEMENT_ORDER).
Judgement = Literal["none", "stated", "supported", "substantiated"]


#: Marks a tuning field that moves no mark (an advisory's word list): left out of the marking's
#: fingerprint (:func:`marker.marking_version.fingerprint`), so changing it keeps teachers' saved
#: calibrations, which were fitted on features it does not touch.
ADVISORY_ONLY = {"moves_marks": False}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _word_list(text: str) -> tuple[str, ...]:
    """Words given as one space-separated string, so that long lists stay short to read."""
    return tuple(text.split())


def _phrase_list(text: str) -> tuple[str, ...]:
    """Phrases given as one comma-separated string."""
    return tuple(p.strip() for p in text.split(","))


def _lemma_seqs(text: str) -> tuple[tuple[str, ...], ...]:
    """Lemma sequences given as one comma-separated string of space-separated lemmas."""
    return tuple(tuple(p.split()) for p in text.split(","))
