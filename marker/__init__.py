"""marker: marks practice answers the way an examiner would, and explains every mark.

For notebooks::

    import marker
    fb = marker.mark("rapallo-significance", open("answer.txt").read())
    print(fb.mark, fb.level, fb.next_steps)
    results = marker.mark_many("rapallo-significance", texts)   # one nlp.pipe pass

Both mark through the default :class:`~marker.workspace.Workspace` (the data folder in
``$MARKER_DATA_DIR``, else the per-user one), so a teacher's saved rubric versions and
calibrations apply exactly as they do in the app, ``marker mark`` and ``marker batch``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from .errors import MarkerError

if TYPE_CHECKING:
    from .engine import Marker
    from .feedback import Feedback
    from .workspace import Workspace

__version__ = "0.1.0"
__all__ = ["MarkerError", "default_marker", "default_workspace", "mark", "mark_many", "__version__"]


@lru_cache(maxsize=1)
def default_marker() -> Marker:
    """The shipped question bank alone (no teacher's data) with the spaCy pipeline, once per process."""
    from .engine import Marker

    return Marker()


@lru_cache(maxsize=1)
def default_workspace() -> Workspace:
    """The workspace of the default data folder, loaded once per process."""
    from .workspace import Workspace

    return Workspace()


def mark(question_id: str, text: str) -> Feedback:
    """Mark one answer, as ``marker mark`` and the app would (teachers' versions and calibrations apply)."""
    return default_workspace().mark(question_id, text)


def mark_many(question_id: str, texts: list[str], batch_size: int = 16) -> list[Feedback]:
    """Mark many answers to one question in one ``nlp.pipe`` pass."""
    return default_workspace().mark_many(question_id, texts, batch_size=batch_size)
