"""Model answers marked leave-one-out, shared by the tests of one pytest process.

A model answer marked by a marker that holds it is a copy of itself, so the golden and analysis
tests mark it with itself taken out of its question's model answers. Building that marker's index
(parsing the mark scheme and the other model answers, encoding them) is the costly part, and
several tests need the same answer marked the same way: each marker and each model answer's
feedback is made once here, on first use, and handed to every test that asks.
"""

from __future__ import annotations

import copy

from marker.engine import Marker
from marker.feedback import Feedback
from marker.rubric import ModelAnswer


class LeftOut:
    """Leave-one-out markers over ``marker``'s bank (sharing its spaCy pipeline), built on first use."""

    def __init__(self, marker: Marker) -> None:
        self.base = marker
        self._markers: dict[tuple[str, str], Marker] = {}
        self._feedback: dict[tuple[str, str], Feedback] = {}

    def answer(self, question_id: str, name: str) -> ModelAnswer:
        """The model answer called ``name`` of a question."""
        return next(a for a in self.base.bank.answers_for(question_id) if a.name == name)

    def marker(self, question_id: str, name: str) -> Marker:
        """A marker whose bank lacks that one model answer of that question."""
        key = (question_id, name)
        if key not in self._markers:
            bank = copy.copy(self.base.bank)
            bank.model_answers = {
                **self.base.bank.model_answers,
                question_id: [a for a in self.base.bank.model_answers[question_id] if a.name != name],
            }
            self._markers[key] = Marker(bank, nlp=self.base.nlp)
        return self._markers[key]

    def mark(self, question_id: str, name: str) -> Feedback:
        """The model answer marked with itself taken out of the model answers (marked once)."""
        key = (question_id, name)
        if key not in self._feedback:
            self._feedback[key] = self.marker(question_id, name).mark(
                question_id, self.answer(question_id, name).text
            )
        return self._feedback[key]
