"""Advisories: signs that an answer needs a teacher's eye (gaming, off the question, not English).

Each advisory explains itself and may cap the level or mark, so that gaming cannot
buy marks. Pure functions over evidence and scores.
"""

from __future__ import annotations

from dataclasses import dataclass

from .bank import cue_prefix
from .concepts import LOOSE
from .evidence import Evidence
from .features import Features
from .rubric import Question
from .structure import Structure

#: Essays shorter than this cannot show the development a levels scheme rewards.
SHORT_ESSAY_WORDS = 120


@dataclass(frozen=True)
class Advisory:
    code: str
    message: str
    cap_level: int | None = None
    cap_mark: int | None = None


def keyword_word_share(evidence: Evidence, question: Question) -> float:
    """Share of the answer's words that are names of concepts or the mark scheme's cue phrases.

    High in keyword salad, whichever kind of keyword is stuffed in.
    """
    cue = cue_prefix(question)
    spans = sorted(
        {
            (m.start, m.end)
            for m in evidence.mentions
            if m.how != LOOSE and (m.concept or m.key.startswith(cue))
        }
    )
    words, last_end = 0, -1
    for start, end in spans:
        if start >= last_end:
            words += len(evidence.text[start:end].split())
            last_end = end
    return words / evidence.n_words if evidence.n_words else 0.0


def check_answer(
    evidence: Evidence, features: Features, question: Question, structure: Structure | None = None
) -> list[Advisory]:
    out: list[Advisory] = []
    levels = question.kind == "levels"
    share = keyword_word_share(evidence, question)
    # Names in lists, or names making up most of the words: either way not argued.
    salad = features.distinct_concepts >= 5 and (
        features.list_share >= 0.4 or (share >= 0.45 and features.analysis_share < 0.5)
    )
    if question.kind == "coverage":
        # A right short answer is dense in the model answer's nouns and often lists parts
        # ("bulbs A and C, switch Z and the battery"): only a longer list of names is salad.
        salad = salad and features.n_words >= SHORT_ANSWER_WORDS and features.list_share >= 0.4
    if salad:
        out.append(
            Advisory(
                "keyword-salad",
                f"Much of this answer names concepts without using them ({share:.0%} of its words are names; "
                f"{features.list_share:.0%} sit in lists). Names earn credit only inside sentences that explain "
                "or argue something. A teacher should read it.",
                **_hold_low(question),
            )
        )
    elif features.n_words >= 15 and evidence.stopword_share < 0.2:
        out.append(
            Advisory(
                "not-english",
                "This does not read as English prose (very few ordinary English words), so it cannot be "
                "marked reliably. If it is in another language or garbled, a teacher should read it.",
                cap_level=1 if levels else None,
                cap_mark=None if levels else 0,
            )
        )
    formulaic = formulaic_sentences(evidence)
    if not salad and formulaic:
        out.append(
            Advisory(
                "formulaic",
                f"{len(formulaic)} of {len(evidence.sentences)} sentences follow one template "
                f"(e.g. \u201c{_clip(formulaic[0].text)}\u201d) with only the names changed. "
                "Templated sentences do not show understanding; a teacher should read it.",
                **_hold_low(question),
            )
        )
    repeats = [s for s in evidence.sentences if s.repeat]
    if repeats and (len(repeats) >= 2 or len(repeats) / max(1, len(evidence.sentences)) >= 0.15):
        out.append(
            Advisory(
                "repetition",
                f"{len(repeats)} sentence{'s are' if len(repeats) > 1 else ' is'} repeated word for word "
                f"(first: \u201c{_clip(repeats[0].text)}\u201d). Repeats earn nothing more.",
            )
        )
    if (
        features.n_words >= 30
        and features.points_credited == 0
        and features.points_partial <= 1
        and not salad
    ):
        out.append(
            Advisory(
                "off-topic",
                "This answer does not seem to address this question: it makes none of the mark scheme's "
                "points and shares little with the model answers. Check the question id.",
                cap_level=1 if levels else None,
                cap_mark=None if levels else 0,
            )
        )
    if features.question_share >= 0.5:
        out.append(
            Advisory(
                "copied-question",
                f"About {features.question_share:.0%} of this answer repeats the question's own words. Restating "
                "the question earns nothing: answer it.",
                cap_level=1 if levels else None,
                cap_mark=0 if not levels else None,
            )
        )
    if features.copied_share >= 0.2:
        out.append(
            Advisory(
                "copied",
                f"About {features.copied_share:.0%} of this answer repeats the question or a model answer word for "
                "word (runs of eight or more words). Copied sentences earn nothing; a teacher should read it.",
                cap_level=2 if levels and features.copied_share >= 0.5 else None,
                cap_mark=max(0, question.max_mark // 2)
                if not levels and features.copied_share >= 0.5
                else None,
            )
        )
    if features.filler_share >= 0.3 and features.n_words >= 80:
        out.append(
            Advisory(
                "padding",
                f"About {features.filler_share:.0%} of the words say nothing about the question (no event, person, "
                "date or idea from it). Length earns nothing by itself: cut the padding and develop your points.",
            )
        )
    if structure is not None and levels:
        if structure.drifting:
            verb = "come" if len(structure.drifting) > 1 else "comes"
            out.append(
                Advisory(
                    "drift",
                    f"{_paragraphs(structure.drifting).capitalize()} never {verb} back to the question "
                    f"({', '.join(structure.focus_terms[:4])}...). Link every paragraph to the question.",
                )
            )
        if structure.out_of_period:
            out.append(
                Advisory(
                    "out-of-period",
                    f"The evidence in {_paragraphs(structure.out_of_period)} comes "
                    f"from outside the question's period ({question.period.start}-{question.period.end}). Use it "
                    "only as context, and say how it bears on the question.",
                )
            )
        if structure.inconsistent:
            out.append(
                Advisory(
                    "inconsistent",
                    "The conclusion leans the opposite way to the introduction. Keep one line of argument, or "
                    "explain why your view changed.",
                )
            )
    if levels and 0 < features.n_words < SHORT_ESSAY_WORDS:
        out.append(
            Advisory(
                "too-short",
                f"At {features.n_words} words this is very short for a {question.max_mark}-mark essay; "
                "the higher levels need developed, supported argument.",
            )
        )
    if question.kind == "coverage":
        # A one-sentence answer that is right says what the model answer says, often in the
        # question's own words; its mark already is its match with the model answer.
        out = [a for a in out if a.code not in COVERAGE_EXEMPT]
    return out


#: Coverage-marked answers shorter than this are never keyword salad (see check_answer).
SHORT_ANSWER_WORDS = 25
#: Checks that do not apply to coverage-marked short answers (see the end of check_answer).
COVERAGE_EXEMPT = frozenset({"copied", "copied-question", "off-topic"})


def _paragraphs(indices: tuple[int, ...]) -> str:
    """ "paragraph 3" or "paragraphs 2, 4" (1-based, as a student counts them).

    >>> _paragraphs((2,)), _paragraphs((1, 3))
    ('paragraph 3', 'paragraphs 2, 4')
    """
    numbers = ", ".join(str(p + 1) for p in indices)
    return f"paragraph{'s' if len(indices) > 1 else ''} {numbers}"


def _hold_low(question: Question) -> dict:
    """The cap for gaming: level 2 on a levels question, half marks on a points question."""
    if question.kind == "levels":
        return {"cap_level": 2}
    return {"cap_mark": max(0, question.max_mark // 2)}


def formulaic_sentences(evidence: Evidence, min_share: float = 0.3) -> list:
    """Sentences sharing a function-word skeleton with at least two others, if they are many."""
    counts: dict[tuple[str, ...], int] = {}
    for s in evidence.sentences:
        if len(s.skeleton) >= 2 and not s.repeat:
            counts[s.skeleton] = counts.get(s.skeleton, 0) + 1
    same = [s for s in evidence.sentences if counts.get(s.skeleton, 0) >= 3 and not s.repeat]
    return same if len(same) >= 3 and len(same) >= min_share * len(evidence.sentences) else []


def _clip(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"
