"""Which marking a saved result was made under, so that one made under another is not reused.

A calibration is fitted on the engine's features and marks. When marker's marking changes (an
upgrade with other tuning values, a refitted shipped model or new engine code), the same answer
gives other features, and a calibration fitted on the old ones would correct marks it never saw.
:func:`fingerprint` names the marking: a digest of

- :data:`marker.feedback.ENGINE_VERSION`, bumped by hand when a change of code moves marks;
- every tuning value (:data:`marker.tuning.TUNING`), but for those that move no mark: the
  ``access`` section (it hashes students' codes) and fields tagged
  :data:`~marker.tuning.base.ADVISORY_ONLY` (an advisory's word lists);
- the shipped short-answer models (:mod:`marker.fitted`), their provenance left out.

:func:`marker.calibrate.usable` sets aside a calibration saved under another fingerprint and
says so.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

from .feedback import ENGINE_VERSION
from .fitted import read_defaults
from .tuning import TUNING, Tuning
from .tuning.base import ADVISORY_ONLY


def shipped_models() -> dict:
    """The shipped short-answer models as saved (without their provenance), or {} when absent."""
    data = read_defaults() or {}
    data.pop("provenance", None)
    return data


def canonical(value: Any) -> Any:
    """A value as JSON can hold it, the same in every process: sets (word lists) become sorted lists,
    since a set of strings is iterated in another order in each process (hash randomisation).

    >>> canonical({"words": frozenset({"b", "a"}), "cuts": (0.5, 0.25)})
    {'words': ['a', 'b'], 'cuts': [0.5, 0.25]}
    """
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return value


def digest(engine: str, tuning: dict, models: dict) -> str:
    """The fingerprint of one marking (16 hex digits)."""
    data = canonical({"engine": engine, "tuning": tuning, "models": models})
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """The fingerprint of the marking this process does.

    >>> len(fingerprint()) == 16 and fingerprint() == fingerprint()
    True
    """
    return digest(ENGINE_VERSION, marking_tuning(), shipped_models())


def marking_tuning(tuning: Tuning = TUNING) -> dict:
    """The tuning values that can move a mark: ``tuning`` without the ``access`` section and the
    fields tagged :data:`~marker.tuning.base.ADVISORY_ONLY`."""
    exclude: dict = {"access": True}
    for name in type(tuning).model_fields:
        section = getattr(tuning, name)
        quiet = {f for f, i in type(section).model_fields.items() if i.json_schema_extra == ADVISORY_ONLY}
        if quiet and name != "access":
            exclude[name] = quiet
    return tuning.model_dump(exclude=exclude)
