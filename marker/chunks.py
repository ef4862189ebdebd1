"""How a batch's scripts are cut into chunks: the unit a worker marks and the store commits.

Reads :class:`~marker.scripts.Script` as they come and groups them by question; writes nothing.
A chunk is at most :data:`CHUNK_SIZE` scripts of one question. When several processes mark a
batch, the end of it is handed out in smaller parts (:func:`share_of_rest`, :func:`cut`), so
that the processes finish together instead of one waiting while another marks a whole chunk.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from .scripts import Script

#: Scripts marked (and committed) together: a crash loses at most this many.
CHUNK_SIZE = 16
#: The smallest part the end of a batch is handed out in (about a second of one process's
#: marking for essays of 400 words); no part of a chunk is left smaller than this.
TAIL_CHUNK = 4


@dataclass(frozen=True)
class Chunk:
    question_id: str
    scripts: tuple[Script, ...]
    #: The rubric version the batch marks the question with (a worker checks it has the same).
    version: str = ""

    @property
    def items(self) -> list[tuple[str, str]]:
        return [(s.script_id, s.text) for s in self.scripts]


def make_chunks(
    scripts: Sequence[Script], size: int = CHUNK_SIZE, versions: dict[str, str] | None = None
) -> list[Chunk]:
    """Scripts grouped by question (in order of first appearance), then cut into chunks."""
    groups: dict[str, list[Script]] = {}
    for s in scripts:
        groups.setdefault(s.question_id or "", []).append(s)
    versions = versions or {}
    return [
        Chunk(qid, tuple(group[i : i + size]), versions.get(qid, ""))
        for qid, group in groups.items()
        for i in range(0, len(group), size)
    ]


def iter_chunks(
    scripts: Iterable[Script], size: int = CHUNK_SIZE, versions: dict[str, str] | None = None
) -> Iterator[Chunk]:
    """Chunks of one question each, cut as the scripts come: a chunk is yielded as soon as it is
    full, and the part-filled ones at the end, so only one part-filled chunk per question is held.

    >>> from marker.scripts import Script
    >>> s = [Script(f"s{i}", "", "text", "q2" if i % 3 else "q1", None, "", "") for i in range(7)]
    >>> [(c.question_id, [x.script_id for x in c.scripts]) for c in iter_chunks(s, size=2)]
    [('q2', ['s1', 's2']), ('q1', ['s0', 's3']), ('q2', ['s4', 's5']), ('q1', ['s6'])]
    """
    versions = versions or {}
    open_chunks: dict[str, list[Script]] = {}
    for s in scripts:
        qid = s.question_id or ""
        group = open_chunks.setdefault(qid, [])
        group.append(s)
        if len(group) == size:
            yield Chunk(qid, tuple(open_chunks.pop(qid)), versions.get(qid, ""))
    for qid, group in open_chunks.items():
        yield Chunk(qid, tuple(group), versions.get(qid, ""))


def share_of_rest(left: int, workers: int, size: int = CHUNK_SIZE) -> int:
    """How many scripts to hand a worker when ``left`` are still to be handed out among ``workers``.

    A whole chunk while plenty is left; towards the end, half of each worker's share of what is
    left (guided self-scheduling), down to :data:`TAIL_CHUNK`. The last process to finish then
    has a small part left to mark when the others are done, not a whole chunk.

    >>> [share_of_rest(n, 2) for n in (120, 64, 40, 20, 6)]
    [16, 16, 10, 5, 4]
    """
    return max(TAIL_CHUNK, min(size, -(-left // (2 * max(1, workers)))))


def cut(chunk: Chunk, n: int) -> tuple[Chunk, Chunk | None]:
    """A chunk's first ``n`` scripts (fewer, so as to leave :data:`TAIL_CHUNK`) and the rest;
    the whole chunk and None when it has ``n`` or fewer, or is too small to cut.

    >>> from marker.scripts import Script
    >>> c = Chunk("q1", tuple(Script(f"s{i}", "", "text", "q1", None, "", "") for i in range(14)))
    >>> [(len(a.scripts), b and len(b.scripts)) for a, b in (cut(c, 16), cut(c, 8), cut(c, 11), cut(c, 4))]
    [(14, None), (8, 6), (10, 4), (4, 10)]
    """
    if len(chunk.scripts) <= n:
        return chunk, None
    n = min(n, len(chunk.scripts) - TAIL_CHUNK)
    if n < TAIL_CHUNK:
        return chunk, None
    return replace(chunk, scripts=chunk.scripts[:n]), replace(chunk, scripts=chunk.scripts[n:])
