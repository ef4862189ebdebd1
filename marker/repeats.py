"""Identical answers in a batch are marked once: a copy takes the outcome of its first.

Marking depends only on the question and the answer's text, so a script whose text (exactly,
whitespace and all) and question are those of a script already sent for marking is not sent
again: it waits for the first one's outcome, or takes it at once when the first was marked
lately. A batch of one process used to parse and score each copy again (reusing only the
sentences' vectors); on several processes the two copies could go to different processes and
be encoded twice. The copies are still stored and reported one by one, with their own student,
calibration and OCR advisory (:func:`marker.batch._calibrated_rows`), and still listed as
duplicate texts.

Memory stays bounded whatever the cohort: the outcomes of the last ``KEEP`` distinct texts are
kept (an older text's copy is marked again, as before), and at most ``HOLD`` copies wait for an
outcome (past that, a copy is sent like any script).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator

from .chunks import Chunk
from .engines import Marked
from .scripts import Script

#: Outcomes of the most recent distinct texts kept for their copies (the Feedback of a
#: validation essay, about 650 words, pickles to 10-16 KB: a few MB for all of them).
KEEP = 256
#: Copies held back at most while their first is being marked.
HOLD = 1024

_Key = tuple[str, str]


def _key(script: Script) -> _Key:
    return (script.question_id or "", script.text)


class Repeats:
    """Sends each distinct (question, text) once and gives its copies the outcome.

    >>> from marker.scripts import Script
    >>> s = [Script(f"s{i}", "", t, "q1", None, "", "") for i, t in enumerate(["a", "b", "a"])]
    >>> r = Repeats()
    >>> [x.script_id for x in r.originals(s)]
    ['s0', 's1']
    >>> [(c.script_id, m.script_id) for c, m in r.copies(Chunk("q1", tuple(s[:2])), [Marked("s0", None, "x"), Marked("s1", None, "y")])]
    [('s2', 's0')]
    """

    def __init__(self, keep: int = KEEP, hold: int = HOLD):
        self.keep, self.hold = keep, hold
        self._done: OrderedDict[_Key, Marked] = OrderedDict()
        self._sent: dict[_Key, int] = {}  # texts being marked: how many times sent
        self._held: dict[_Key, list[Script]] = {}
        self._n_held = 0
        self._ready: list[tuple[Script, Marked]] = []

    def originals(self, scripts: Iterable[Script]) -> Iterator[Script]:
        """The scripts to mark: each text's first, and any copy that cannot wait."""
        for s in scripts:
            key = _key(s)
            if key in self._done:
                self._done.move_to_end(key)
                self._ready.append((s, self._done[key]))
            elif key in self._sent and self._n_held < self.hold:
                self._held.setdefault(key, []).append(s)
                self._n_held += 1
            else:
                self._sent[key] = self._sent.get(key, 0) + 1
                yield s

    def copies(self, chunk: Chunk, marked: list[Marked]) -> list[tuple[Script, Marked]]:
        """After a chunk is marked: each copy whose outcome is known now, with its first's outcome."""
        by_id = {s.script_id: s for s in chunk.scripts}
        for m in marked:
            key = _key(by_id[m.script_id])
            if self._sent.get(key, 0) > 1:
                self._sent[key] -= 1
            else:
                self._sent.pop(key, None)
            self._done[key] = m
            self._done.move_to_end(key)
            while len(self._done) > self.keep:
                self._done.popitem(last=False)
            for c in self._held.pop(key, []):
                self._n_held -= 1
                self._ready.append((c, m))
        return self.ready()

    def ready(self) -> list[tuple[Script, Marked]]:
        """The copies whose outcome is known and not yet given out, with that outcome."""
        out, self._ready = self._ready, []
        return out

    def waiting(self) -> list[Script]:
        """Copies still held after every chunk came back (none unless a chunk was lost): to mark."""
        out = [s for group in self._held.values() for s in group]
        self._held.clear()
        self._n_held = 0
        return out


def as_chunks(copies: list[tuple[Script, Marked]]) -> Iterator[tuple[Chunk, list[Marked]]]:
    """Copies with their outcomes as (chunk, outcomes) pairs of one question each, to store."""
    groups: dict[str, list[tuple[Script, Marked]]] = {}
    for s, m in copies:
        groups.setdefault(s.question_id or "", []).append((s, m))
    for qid, group in groups.items():
        chunk = Chunk(qid, tuple(s for s, _ in group))
        yield chunk, [Marked(s.script_id, m.feedback, m.error) for s, m in group]
