"""The placement stage: the mark, by the question's marking scheme.

Reads the evidence, the credited points, the structure, the :class:`~marker.features.Features`
and the advisories (whose caps hold gamed answers down); writes a :class:`Placement` (mark,
level and band, the levels ladder, a one-line explanation).

Each kind of marking is a scheme object with one :meth:`Scheme.place`, chosen once per
question by :func:`scheme_for`:

- :class:`LevelsScheme`: start at level 1 and move up while the answer meets a level's
  criteria (best fit), then place the mark within the band;
- :class:`PointsScheme`: one mark per credited point, or the rubric's threshold table;
- :class:`CoverageScheme`: marks in proportion to the match with the closest model answer.

The numbers are in ``TUNING.placement``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .evidence import ANALYTIC_ROLES, Evidence
from .features import JUDGEMENT_ORDER, Features, substantive_sentences
from .fitted import load_defaults
from .points import CREDITED, PointResult, Quote
from .relevance import goes_beyond_question, rewards_something
from .roles import COUNTER
from .rubric import CoverageMarking, Level, LevelCriteria, LevelsMarking, Period, Question
from .similarity import Match, ModelAnswerSet, full_marks_at
from .structure import Structure
from .tuning import TUNING

if TYPE_CHECKING:
    from .guards import Advisory


@dataclass(frozen=True)
class CriterionResult:
    name: str
    required: float | bool | str
    actual: float | bool | str
    status: str  # "met" | "nearly" | "not met"
    description: str
    #: Words of the answer that show it (for the criteria where a sentence can).
    evidence: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class LevelCheck:
    level: int
    marks: tuple[int, int]
    descriptor: str
    reached: bool
    criteria: tuple[CriterionResult, ...]


@dataclass
class Placement:
    mark: int
    level: int | None
    band: tuple[int, int] | None
    ladder: list[LevelCheck] = field(default_factory=list)
    explanation: str = ""


# --------------------------------------------------------------------------- schemes


class Scheme:
    """How a question is marked. Subclasses place an answer; the engine never asks which one it has."""

    #: Whether a sentence saying most of a point's own words credits it (short answers; see
    #: :mod:`marker.points`). History essays keep to cue phrases and concepts.
    credits_wordings = True
    #: An essay marked by levels of response: the guards check its argument (a conclusion, its
    #: length) and hold a gamed answer down by level rather than by mark.
    essay = False
    #: Short answers marked by their match with a model answer: a right answer may list parts
    #: and echo the question, so the guards that would read that as gaming stand aside.
    short_answers = False

    def __init__(self, question: Question):
        self.question = question

    def place(
        self,
        evidence: Evidence,
        points: list[PointResult],
        structure: Structure | None,
        features: Features,
        advisories: list[Advisory],
    ) -> Placement:
        """The mark of an answer, from what the earlier stages wrote; advisories may cap it."""
        raise NotImplementedError

    def empty(self) -> Placement:
        """The placement of an empty answer."""
        return Placement(0, None, None, [], "The answer is empty: 0 marks.")


class LevelsScheme(Scheme):
    """Levels of response: the ladder, best fit, then a mark within the band.

    ``subject``: the question's subject, the content words it shares with its mark scheme
    (:func:`subject_of`); ``years``: the years of the question's topic (its frame), or None. An
    answer that credits no point needs one of them to have anything to reward
    (:func:`rewards_something`).
    """

    credits_wordings = False
    essay = True

    def __init__(
        self, question: Question, subject: frozenset[str] = frozenset(), years: Period | None = None
    ):
        super().__init__(question)
        self.subject = subject
        self.years = years

    def place(
        self,
        evidence: Evidence,
        points: list[PointResult],
        structure: Structure | None,
        features: Features,
        advisories: list[Advisory],
    ) -> Placement:
        caps = [a.cap_level for a in advisories if a.cap_level is not None]
        quotes = criterion_evidence(evidence, points, structure)
        beyond = features.points_credited > 0 or goes_beyond_question(evidence, self.question.question)
        rewardable = features.points_credited > 0 or rewards_something(
            evidence, points, self.subject, self.years
        )
        return place_levels(self.question, features, min(caps) if caps else None, quotes, beyond, rewardable)

    def empty(self) -> Placement:
        return replace(super().empty(), level=0)


class PointsScheme(Scheme):
    """A mark per credited point (or the rubric's threshold table)."""

    def place(
        self,
        evidence: Evidence,
        points: list[PointResult],
        structure: Structure | None,
        features: Features,
        advisories: list[Advisory],
    ) -> Placement:
        return place_points(self.question, points, _cap_mark(advisories))


class CoverageScheme(Scheme):
    """Marks in proportion to how much of a full-mark model answer the answer says."""

    short_answers = True

    def __init__(self, question: Question, full_at: float):
        super().__init__(question)
        self.full_at = full_at

    def place(
        self,
        evidence: Evidence,
        points: list[PointResult],
        structure: Structure | None,
        features: Features,
        advisories: list[Advisory],
    ) -> Placement:
        if features is not None and features.meaning_estimate is not None:
            return place_meaning(self.question, evidence.match, features, _cap_mark(advisories))
        return place_coverage(self.question, evidence.match, self.full_at, _cap_mark(advisories))


def scheme_for(
    question: Question,
    model_set: ModelAnswerSet | None = None,
    subject: frozenset[str] = frozenset(),
    years: Period | None = None,
) -> Scheme:
    """The scheme object of a question's kind of marking (chosen once per rubric version).
    ``subject`` and ``years`` are what a levels scheme reads to tell an answer with nothing to
    reward (:class:`LevelsScheme`)."""
    if isinstance(question.marking, LevelsMarking):
        return LevelsScheme(question, subject, years)
    if isinstance(question.marking, CoverageMarking):
        full_at = model_set.full_at if model_set else full_marks_at(0)
        return CoverageScheme(question, full_at)
    return PointsScheme(question)


def _cap_mark(advisories: list[Advisory]) -> int | None:
    caps = [a.cap_mark for a in advisories if a.cap_mark is not None]
    return min(caps) if caps else None


# --------------------------------------------------------------------------- levels


def criterion_evidence(
    evidence: Evidence, points: list[PointResult], structure: Structure | None
) -> dict[str, tuple[Quote, ...]]:
    """For each criterion of the ladder, a few quotations of the answer that show it."""
    k = TUNING.placement.quotes_per_criterion

    def quote(s) -> Quote:
        return Quote(s.start, s.end, s.text)

    usable = substantive_sentences(evidence)
    analytic = [s for s in usable if s.is_claim and s.role in ANALYTIC_ROLES]
    named = {m.sent for m in evidence.mentions if m.concept} | {d.sent for d in evidence.dates}
    out: dict[str, tuple[Quote, ...]] = {
        "points": tuple(q for p in points if p.status == CREDITED for q in p.evidence[:1])[:k],
        "analysis": tuple(quote(s) for s in analytic[:k]),
        "development": tuple(quote(s) for s in analytic[k : 2 * k]),
        "precision": tuple(quote(s) for s in usable if s.index in named and s.is_claim)[:k],
        "balance": tuple(quote(s) for s in analytic if s.role == COUNTER)[:k],
    }
    if structure is not None and structure.conclusion:
        by_index = {s.index: s for s in evidence.sentences}
        out["judgement"] = tuple(quote(by_index[i]) for i in structure.conclusion[:k])
    return out


def default_criteria(level: int, n_levels: int, n_points: int, max_mark: int) -> LevelCriteria:
    """What a level needs by default, read off the ladder tables by its position in the scheme.

    >>> default_criteria(5, 5, 10, 25).judgement
    'substantiated'
    """
    tuning = TUNING.placement
    rungs = len(tuning.ladder_point_share)
    i = min(rungs - 1, max(0, round(level / n_levels * rungs) - 1))
    scale = min(1.0, max_mark / tuning.reference_max_mark)
    return LevelCriteria(
        min_points=round(tuning.ladder_point_share[i] * n_points, 2),
        min_analysis=tuning.ladder_analysis[i],
        balance=tuning.ladder_balance[i],
        judgement=tuning.ladder_judgement[i],
        min_precision=round(tuning.ladder_precision[i] * scale),
        min_developed=round(tuning.ladder_developed[i] * scale),
    )


def criteria_for(
    level: Level, marking: LevelsMarking, question: Question, asks: tuple[bool, int] | None = None
) -> LevelCriteria:
    """A level's criteria: the defaults, as far as the scheme's descriptors ask for them
    (:func:`descriptors_ask`, or ``asks`` when the caller has read them once for every level), with
    what the rubric sets for the level."""
    base = default_criteria(level.level, len(marking.levels), len(question.points), question.max_mark)
    judging, explaining_from = asks if asks is not None else descriptors_ask(marking)
    unasked: dict[str, object] = {}
    if not judging:
        unasked |= {"balance": False, "judgement": "none"}
    if level.level < explaining_from:
        unasked |= {"min_analysis": 0.0, "min_developed": 0}
    given = level.criteria.model_dump(exclude_none=True)
    return base.model_copy(update={**unasked, **given})


def descriptors_ask(marking: LevelsMarking) -> tuple[bool, int]:
    """What a scheme's level descriptors ask for: whether any asks for a judgement or a weighing of
    sides, and the first level whose descriptor (or a lower one's) asks for explanation.

    The ladder's defaults are written for an argued essay. A scheme printed for an account of
    events ("Developed account: the events are described in order ...") or an "explain why"
    question asks for no judgement, and an account's lower levels ask for events told with
    knowledge rather than analysis: the scheme's own example of such a level has no connective.
    A scheme whose descriptors say nothing of either ("Level 1.") keeps every default.

    >>> from marker.rubric import LevelsMarking
    >>> account = LevelsMarking(kind="levels", levels=[
    ...     {"level": 1, "marks": (1, 2), "descriptor": "Basic account: one or two events."},
    ...     {"level": 2, "marks": (3, 4), "descriptor": "Events in order with links between them."},
    ...     {"level": 3, "marks": (5, 6), "descriptor": "Explains how one stage led to the next."}])
    >>> descriptors_ask(account)
    (False, 3)
    """
    tuning = TUNING.placement
    texts = [" ".join(lv.descriptor.lower().split()) for lv in marking.levels]

    def says(text: str, stems: tuple[str, ...]) -> bool:
        return any(stem.replace(".", " ") in text for stem in stems)

    judging = any(says(t, tuning.descriptor_judging) for t in texts)
    explaining = [says(t, tuning.descriptor_explaining) for t in texts]
    if not judging and not any(explaining):
        return True, 1
    first = next((lv.level for lv, e in zip(marking.levels, explaining, strict=True) if e), len(texts) + 1)
    return judging, first


def _numeric(name: str, required: float, actual: float, description: str) -> CriterionResult:
    if actual >= required:
        status = "met"
    elif required > 0 and actual >= TUNING.placement.nearly_share * required:
        status = "nearly"
    else:
        status = "not met"
    return CriterionResult(name, required, actual, status, description)


_JUDGEMENT_TEXT = {
    1: "reaches a judgement",
    2: "reaches a judgement supported by evidence",
    3: "reaches a well-substantiated judgement (a developed conclusion weighing the evidence)",
}


def check_level(
    level: Level, criteria: LevelCriteria, f: Features, quotes: dict[str, tuple[Quote, ...]] | None = None
) -> LevelCheck:
    """Whether the answer meets a level: every criterion met, or all but ``max_nearly`` nearly met."""
    tuning = TUNING.placement
    quotes = quotes or {}
    results = [
        _numeric(
            "points",
            criteria.min_points or 0,
            f.weighted_points,
            f"covers at least {criteria.min_points:g} points of the mark scheme (weighted)",
        ),
        _numeric(
            "analysis",
            criteria.min_analysis or 0,
            f.analysis_share,
            f"at least {criteria.min_analysis:.0%} of sentences explain, analyse or evaluate",
        ),
        _numeric(
            "precision",
            criteria.min_precision or 0,
            f.precision,
            f"at least {criteria.min_precision} specific details (dates, names, events, figures)",
        ),
        _numeric(
            "development",
            criteria.min_developed or 0,
            f.development,
            f"at least {criteria.min_developed} distinct sentences' worth of explanation, analysis or "
            "evaluation that makes the mark scheme's points, with the evidence beside it (a long sentence "
            "counts for more than one; comment that makes no point counts half)",
        ),
    ]
    if criteria.balance:
        status = "met" if f.balance else "not met"
        results.append(
            CriterionResult("balance", True, f.balance, status, "weighs other factors or a counter-argument")
        )
    need = JUDGEMENT_ORDER.index(criteria.judgement or "none")
    have = JUDGEMENT_ORDER.index(f.judgement)
    if need:
        status = "met" if have >= need else "nearly" if have == need - 1 and have > 0 else "not met"
        results.append(
            CriterionResult("judgement", criteria.judgement, f.judgement, status, _JUDGEMENT_TEXT[need])
        )
    # A criterion asking for nothing ("at least 0 details") explains nothing: leave it out.
    results = [replace(r, evidence=quotes.get(r.name, ())) for r in results if r.required not in (0, 0.0)]
    statuses = [r.status for r in results]
    key_short = any(r.status != "met" for r in results if r.name in tuning.key_criteria)
    reached = not key_short and "not met" not in statuses and statuses.count("nearly") <= tuning.max_nearly
    return LevelCheck(level.level, tuple(level.marks), level.descriptor, reached, tuple(results))


def place_levels(
    question: Question,
    f: Features,
    cap_level: int | None = None,
    quotes: dict[str, tuple[Quote, ...]] | None = None,
    beyond_question: bool = True,
    rewardable: bool = True,
) -> Placement:
    """Start at the lowest level and move up while the answer meets it; then place within the band.

    ``beyond_question`` False (no point credited and nothing named beyond the question's own words,
    :func:`goes_beyond_question`) places the answer at 0: there is nothing to credit. So does
    ``rewardable`` False (no point credited and nothing the question asks about, or all of it set
    outside the topic's years: :func:`rewards_something`).
    """
    marking = question.marking
    assert isinstance(marking, LevelsMarking)
    asks = descriptors_ask(marking)
    ladder = [check_level(lv, criteria_for(lv, marking, question, asks), f, quotes) for lv in marking.levels]
    nothing = _nothing_to_credit(f, beyond_question, rewardable)
    if nothing:
        return Placement(0, 0, (0, 0), ladder, nothing)
    reached = 0
    for check in ladder:
        if not check.reached:
            break
        reached = check.level
    if reached == 0:
        missing = ", ".join(c.description for c in ladder[0].criteria if c.status != "met")
        low = ladder[0].marks[0]
        return Placement(
            low,
            1,
            tuple(ladder[0].marks),
            ladder,
            f"Bottom of level 1: some relevant knowledge, but level 1 is not fully met ({missing}).",
        )
    capped = cap_level is not None and reached > cap_level
    if capped:
        reached = max(cap_level, 0)
    if reached == 0:
        return Placement(0, 0, (0, 0), ladder, "Held at 0 marks by an advisory (see advisories).")
    # Held at the lowest level (off the question, not English, the question restated): the answer
    # addresses nothing the levels describe, so what its names meet of the next level places nothing.
    lowest = cap_level is not None and reached == cap_level == ladder[0].level
    return _place_in_band(ladder, reached, capped or lowest, f, lowest)


def _nothing_to_credit(f: Features, beyond_question: bool, rewardable: bool) -> str | None:
    """Why an answer gets 0 (the descriptors' "nothing worthy of credit"), or None when it has
    something to credit (see :func:`place_levels`)."""
    if not beyond_question:
        return (
            "Nothing beyond the question's own words: no point of the mark scheme is made and nothing is "
            "named that the question does not already give, so there is nothing to credit."
        )
    if not rewardable:
        return (
            "Nothing the question rewards: no point of the mark scheme is made, and the answer is about "
            "something else (it names nothing the question asks about, or its dates all lie outside "
            "the topic's period)."
        )
    if f.points_credited + f.points_partial == 0 and f.distinct_concepts == 0:
        return "No creditable content: nothing relevant to the question was found."
    return None


def _place_in_band(
    ladder: list[LevelCheck], reached: int, capped: bool, f: Features, lowest: bool = False
) -> Placement:
    """The mark within the band of the level reached: higher the more of the next level is met.
    ``capped``: held at this level by an advisory (``lowest``: at the lowest level, see
    ``TUNING.placement.off_question_position``)."""
    tuning = TUNING.placement
    current = ladder[reached - 1]
    low, high = current.marks
    nxt = ladder[reached] if reached < len(ladder) else None
    frac = tuning.off_question_position if lowest else tuning.held_position
    reasons = []
    if nxt is not None and not capped:
        credit = {"met": 1.0, "nearly": tuning.nearly_credit}
        share = sum(credit.get(c.status, 0.0) for c in nxt.criteria) / max(1, len(nxt.criteria))
        frac = tuning.band_floor + tuning.band_span * share
        missing = [c.name for c in nxt.criteria if c.status != "met"]
        if missing:
            reasons.append(f"short of level {nxt.level} on {', '.join(missing)}")
    elif nxt is None:
        margins = [min(tuning.top_margin_cap, _margin(c)) for c in current.criteria]
        frac = min(1.0, tuning.top_floor + tuning.top_span * (sum(margins) / max(1, len(margins))))
    if any(c.status == "nearly" for c in current.criteria):
        frac -= tuning.nearly_penalty
        reasons.append(
            "only nearly meets " + ", ".join(c.name for c in current.criteria if c.status == "nearly")
        )
    if f.model_estimate is not None and not capped:
        mid = (low + high) / 2
        pull = (f.model_estimate - mid) / max(1, high - low) * tuning.estimate_slope
        frac += max(-tuning.estimate_pull, min(tuning.estimate_pull, pull))
    frac = min(1.0, max(0.0, frac))
    mark = low + round(frac * (high - low))
    position = "bottom" if frac < tuning.bottom_below else "middle" if frac < tuning.middle_below else "top"
    text = f"Level {reached}, {position} of the band ({low}-{high})"
    if capped:
        text += f": held at level {reached} by an advisory"
    if reasons:
        text += ": " + "; ".join(reasons)
    return Placement(mark, reached, (low, high), ladder, text + ".")


def _margin(c: CriterionResult) -> float:
    if isinstance(c.required, bool | str):
        return 1.0 if c.status == "met" else 0.0
    if not c.required:
        return 1.0
    return float(c.actual) / float(c.required)


# --------------------------------------------------------------------------- points and coverage


def place_points(question: Question, points: list[PointResult], cap_mark: int | None = None) -> Placement:
    """The rubric's mark for the number of credited points, held at an advisory's cap."""
    n = sum(p.status == CREDITED for p in points)
    mark = question.marking.mark_for(n, question.max_mark)
    text = f"{n} point{'s' if n != 1 else ''} credited"
    if cap_mark is not None and mark > cap_mark:
        mark = cap_mark
        text += f"; held at {cap_mark} by an advisory"
    return Placement(mark, None, None, [], text + f": {mark}/{question.max_mark}.")


def place_coverage(
    question: Question, match: Match, full_at: float, cap_mark: int | None = None
) -> Placement:
    """Marks in proportion to the match with the closest model answer (full marks at ``full_at``)."""
    marking = question.marking
    assert isinstance(marking, CoverageMarking)
    full_at = marking.full_at or full_at
    mark = marking.mark_for(match.score, full_at, question.max_mark)
    share = min(match.score / full_at, 1.0)
    shown = TUNING.placement.coverage_words_shown
    text = f"The answer says {share:.0%} of what a full-mark answer says"
    if match.said:
        text += f" (it has: {', '.join(match.said[:shown])}"
        text += f"; it lacks: {', '.join(match.unsaid[:shown])})" if match.unsaid else ")"
    if match.negation_mismatch:
        text += "; it negates what the model answer states (or the reverse)"
    if cap_mark is not None and mark > cap_mark:
        mark = cap_mark
        text += f"; held at {cap_mark} by an advisory"
    return Placement(mark, None, None, [], text + f": {mark}/{question.max_mark}.")


def _opening(text: str, words: int = 8) -> str:
    """The first words of a part of a key, to name it in the feedback."""
    kept = text.split()
    return " ".join(kept[:words]) + (" ..." if len(kept) > words else "")


def place_meaning(
    question: Question, match: Match, features: Features, cap_mark: int | None = None
) -> Placement:
    """Marks from the share of full credit that the defaults fitted on public data estimate from
    the match in words and in meaning (:mod:`marker.fitted`)."""
    defaults = load_defaults()
    assert defaults is not None and features.meaning_estimate is not None
    share = features.meaning_estimate
    mark = defaults.zero_shot.mark(share, question.max_mark)
    shown = TUNING.placement.coverage_words_shown
    text = (
        f"The answer's meaning is {features.meaning_similarity:.0%} close to the closest model answer "
        f"and it says {features.meaning_recall:.0%} of that answer's content in some words"
    )
    if match.said:
        text += f" (in its words: {', '.join(match.said[:shown])}"
        text += f"; not in its words: {', '.join(match.unsaid[:shown])})" if match.unsaid else ")"
    if match.negation_mismatch:
        text += "; it negates what the model answer states (or the reverse)"
    text += f"; estimated {share:.0%} of full credit"
    if features.parts_unsaid and mark == question.max_mark:
        # A key written in parts: full marks need every part ("Purpose: ...", "How: ...").
        mark -= 1
        shown = "; ".join(_opening(p) for p in features.parts_unsaid)
        text += f"; it does not say this part of the answer: {shown}"
    if cap_mark is not None and mark > cap_mark:
        mark = cap_mark
        text += f"; held at {cap_mark} by an advisory"
    return Placement(mark, None, None, [], text + f": {mark}/{question.max_mark}.")
