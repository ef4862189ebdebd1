"""How an essay is built: thesis and conclusion, whether the conclusion answers the question's
demand, whether paragraphs keep to the question, and how the answer is organised.

Pure functions over evidence and the question. Examiners read for this before they read
for facts: an accurate answer that drifts from the question, or ends without answering it,
does not reach the top levels.
"""

from __future__ import annotations

from dataclasses import dataclass

from .evidence import ANALYTIC_ROLES, Evidence, Sentence
from .roles import EVALUATION, is_conclusion_opener

#: Words that carry a judgement of extent or importance.
EXTENT_WORDS = frozenset(
    {
        "extent",
        "largely",
        "partly",
        "partially",
        "limited",
        "significant",
        "significance",
        "important",
        "importance",
        "main",
        "decisive",
        "crucial",
        "major",
        "minor",
        "secondary",
        "primarily",
        "mainly",
        "key",
        "vital",
        "considerable",
        "marginal",
        "fundamental",
        "greatest",
        "most",
        "least",
        "outweigh",
        "turning",
    }
)
#: Extra words by the kind of demand a question makes.
DEMAND_WORDS = {
    "success": frozenset(
        {
            "successful",
            "success",
            "succeed",
            "unsuccessful",
            "fail",
            "failure",
            "achieve",
            "achievement",
            "effective",
            "ineffective",
        }
    ),
    "validity": frozenset(
        {
            "valid",
            "validity",
            "view",
            "agree",
            "disagree",
            "convincing",
            "accurate",
            "true",
            "reason",
            "cause",
        }
    ),
    "impact": frozenset({"impact", "effect", "influence", "outcome", "result", "consequence", "contribute"}),
    "significance": frozenset({"significant", "significance", "important", "importance", "turning"}),
}
POSITIVE = frozenset(
    {
        "significant",
        "decisive",
        "crucial",
        "major",
        "vital",
        "main",
        "largely",
        "successful",
        "key",
        "considerable",
        "fundamental",
        "greatest",
        "primarily",
        "mainly",
        "breakthrough",
    }
)
LIMITING = frozenset(
    {
        "limited",
        "minor",
        "secondary",
        "partly",
        "little",
        "marginal",
        "unsuccessful",
        "exaggerated",
        "overstated",
        "failed",
        "partial",
        "modest",
    }
)
#: Question words that say what kind of answer is wanted rather than what it is about.
_NOT_FOCUS = frozenset(
    {
        "assess",
        "evaluate",
        "explain",
        "describe",
        "outline",
        "extent",
        "far",
        "view",
        "validity",
        "significance",
        "impact",
        "successful",
        "main",
        "reason",
        "year",
        "early",
        "late",
        "period",
        "way",
        "follow",
        "statement",
        "how",
        "what",
        "why",
    }
)


@dataclass(frozen=True)
class Structure:
    """What the essay's shape shows; the lists hold sentence indices."""

    demand: str  # success | validity | impact | significance | extent
    focus_terms: tuple[str, ...]
    thesis: tuple[int, ...]
    conclusion: tuple[int, ...]
    #: The conclusion uses the question's terms and a word of judgement of the kind asked for.
    answers_demand: bool
    #: Thesis and conclusion lean opposite ways ("decisive" then "secondary").
    inconsistent: bool
    n_paragraphs: int
    has_introduction: bool
    has_conclusion: bool
    #: Paragraphs (0-based) of the body that never touch the question's focus or mark scheme.
    drifting: tuple[int, ...]
    #: Paragraphs whose dates all fall outside the question's period.
    out_of_period: tuple[int, ...]
    #: Share of body paragraphs whose first or last sentence links back to the question.
    linked_share: float
    #: Share of the answer's sentences that touch the question's focus or its mark scheme.
    focus_share: float = 0.0


def question_demand(question_text: str, command_word: str) -> str:
    text = f"{command_word} {question_text}".lower()
    if "success" in text:
        return "success"
    if "validity" in text or "view" in text or "agree" in text:
        return "validity"
    if "significan" in text:
        return "significance"
    if "impact" in text or "effect" in text:
        return "impact"
    return "extent"


def focus_terms(question_terms: frozenset[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(t for t in question_terms if t not in _NOT_FOCUS and not t.isdigit()))


_NEGATORS = frozenset({"not", "no", "never", "hardly", "nor", "n't"})


def stance(sentences: list[Sentence]) -> int:
    """+1 when the sentences lean to "significant / decisive", -1 to "limited / secondary", 0 mixed.

    A negation just before the word turns it round ("not the main reason" leans to limited).

    >>> from marker.evidence import Sentence
    >>> s = Sentence(0, 0, 0, "It was not the main reason.", 0, 6, True, False, "analysis", (), False, (), ())
    >>> stance([s])
    -1
    """
    score = 0
    for s in sentences:
        words = s.text.lower().replace("n't", " n't").split()
        words = [w.strip(".,;:!?()\"'‘’“”") for w in words]
        for i, w in enumerate(words):
            sign = 1 if w in POSITIVE else -1 if w in LIMITING else 0
            if sign and _NEGATORS & set(words[max(0, i - 3) : i]):
                sign = -sign
            score += sign
    return (score > 0) - (score < 0)


def analyse(
    evidence: Evidence,
    question_terms: frozenset[str],
    question_text: str,
    command_word: str,
    period: tuple[int, int] | None,
    scheme_keys: frozenset[str],
    scheme_concepts: frozenset[str],
) -> Structure:
    """The structure of one answer.

    Args:
        scheme_keys: matcher keys of this question's cue phrases (a hit keeps a paragraph on focus).
        scheme_concepts: concept ids the mark scheme's points name.
    """
    sents = evidence.argued_sentences()
    demand = question_demand(question_text, command_word)
    focus = focus_terms(question_terms)
    paragraphs = sorted({s.paragraph for s in sents})
    by_para = {p: [s for s in sents if s.paragraph == p] for p in paragraphs}
    wanted = EXTENT_WORDS | DEMAND_WORDS.get(demand, frozenset())

    on_focus: set[int] = set()
    for m in evidence.mentions:
        if m.key in scheme_keys or (m.concept and m.concept in scheme_concepts):
            on_focus.add(m.sent)
    for s in sents:
        if set(s.terms) & set(focus):
            on_focus.add(s.index)

    first, last = (paragraphs[0], paragraphs[-1]) if paragraphs else (None, None)
    intro = by_para.get(first, [])
    outro = by_para.get(last, []) if len(paragraphs) > 1 else sents[-2:]
    thesis = tuple(s.index for s in intro if s.role in ANALYTIC_ROLES and s.index in on_focus)
    conclusion = tuple(
        s.index for s in outro if s.role == EVALUATION or (s.is_claim and is_conclusion_opener(s.text))
    )
    concl_sents = [s for s in outro if s.index in conclusion] or outro
    concl_terms = {t for s in concl_sents for t in s.terms}
    answers = (
        bool(conclusion) and bool(concl_terms & wanted) and any(s.index in on_focus for s in concl_sents)
    )
    thesis_sents = [s for s in intro if s.index in thesis]
    inconsistent = bool(thesis_sents) and bool(conclusion) and stance(thesis_sents) * stance(concl_sents) < 0

    body = [p for p in paragraphs if p not in (first, last)] if len(paragraphs) > 2 else []
    drifting = tuple(
        p for p in body if len(by_para[p]) >= 2 and not any(s.index in on_focus for s in by_para[p])
    )
    out_of_period = []
    for p in paragraphs if period else ():
        ids = {s.index for s in by_para[p]}
        years = [d.year for d in evidence.dates if d.sent in ids]
        if len(years) >= 2 and all(not period[0] - 1 <= y <= period[1] + 1 for y in years):
            out_of_period.append(p)
    linked = [p for p in body if by_para[p][0].index in on_focus or by_para[p][-1].index in on_focus]
    return Structure(
        demand=demand,
        focus_terms=focus,
        thesis=thesis,
        conclusion=conclusion,
        answers_demand=answers,
        inconsistent=inconsistent,
        n_paragraphs=len(paragraphs),
        has_introduction=bool(thesis) and len(paragraphs) > 1,
        has_conclusion=bool(conclusion) and len(paragraphs) > 1,
        drifting=drifting,
        out_of_period=tuple(out_of_period),
        linked_share=round(len(linked) / len(body), 3) if body else 0.0,
        focus_share=round(sum(s.index in on_focus for s in sents) / len(sents), 3) if sents else 0.0,
    )
