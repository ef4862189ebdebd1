"""marker: marks practice answers the way an examiner would, and explains every mark.

For notebooks::

    import marker
    fb = marker.mark("rapallo-significance", open("answer.txt").read())
    print(fb.mark, fb.level, fb.next_steps)
    results = marker.mark_many("rapallo-significance", texts)   # one nlp.pipe pass
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from .errors import MarkerError

if TYPE_CHECKING:
    from .engine import Marker
    from .feedback import Feedback

__version__ = "0.1.0"
__all__ = ["MarkerError", "default_marker", "mark", "mark_many", "__version__"]


@lru_cache(maxsize=1)
def default_marker() -> Marker:
    """The shipped question bank with the spaCy pipeline, loaded once per process."""
    from .engine import Marker

    return Marker()


def mark(question_id: str, text: str) -> Feedback:
    """Mark one answer to a question of the shipped bank."""
    return default_marker().mark(question_id, text)


def mark_many(question_id: str, texts: list[str], batch_size: int = 16) -> list[Feedback]:
    """Mark many answers to one question in one ``nlp.pipe`` pass."""
    return default_marker().mark_many(question_id, texts, batch_size=batch_size)
