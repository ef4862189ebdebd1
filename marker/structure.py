"""How an essay is built: thesis and conclusion, whether the conclusion answers the question's
demand, whether paragraphs keep to the question, and how the answer is organised.

Examiners read for this before they read for facts: an accurate answer that drifts from the
question, or ends without answering it, does not reach the top levels.

Reads: :class:`~marker.evidence.Evidence` (argued sentences with their roles and terms,
concept and cue mentions, dates) and the question's terms, text, command word, period and
mark-scheme keys. Writes: one :class:`Structure`. Pure functions; the word lists and
thresholds are ``TUNING.structure`` (and the period slack ``TUNING.facts``) in
``marker/tuning.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .evidence import ANALYTIC_ROLES, Evidence, Sentence
from .roles import EVALUATION, is_conclusion_opener, opens_with
from .tuning import TUNING

_T = TUNING.structure
#: Words that carry a judgement of extent or importance.
EXTENT_WORDS = frozenset(_T.extent_words)
#: Extra words by the kind of demand a question makes.
DEMAND_WORDS = {demand: frozenset(words) for demand, words in _T.demand_words.items()}
POSITIVE = frozenset(_T.positive_words)
LIMITING = frozenset(_T.limiting_words)
_LEANING = POSITIVE | LIMITING
#: Question words that say what kind of answer is wanted rather than what it is about.
_NOT_FOCUS = frozenset(_T.not_focus_words)
_NEGATORS = frozenset(_T.negators)
#: Words that set one side of a judgement against the other, and phrases of a qualified verdict.
CONTRASTS = frozenset(_T.contrast_words)
HEDGES = tuple(_T.hedge_phrases)
_ANSWERING_OPENERS = frozenset(_T.answering_openers)
_SUMMING_UP_VERBS = frozenset(_T.summing_up_verbs)
_SUMMING_UP_REFERENCES = frozenset(_T.summing_up_references)


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
    """The kind of judgement a question asks for (see ``TUNING.structure.demand_cues``).

    >>> question_demand("How successful was Soviet foreign policy?", "Assess")
    'success'
    >>> question_demand("How far was the treaty a turning point?", "Explain")
    'extent'
    """
    text = f"{command_word} {question_text}".lower()
    for demand, cues in _T.demand_cues.items():
        if any(cue in text for cue in cues):
            return demand
    return "extent"


def focus_terms(question_terms: frozenset[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(t for t in question_terms if t not in _NOT_FOCUS and not t.isdigit()))


def stance(sentences: list[Sentence]) -> int:
    """+1 when the sentences lean to "significant / decisive", -1 to "limited / secondary", 0 mixed.

    A judgement word's adverb leans as the word does ("decisively", "partially"). A negation just
    before the word turns it round ("not the main reason" leans to limited), and so does
    "too ... to" ("too divided to have a decisive impact"). A sentence that weighs both sides
    (:func:`weighs_both_sides`: "significant but limited", "only partly valid") leans neither way.

    >>> from marker.evidence import Sentence
    >>> s = Sentence(0, 0, 0, "It was not the main reason.", 0, 6, True, False, "analysis", (), False, (), ())
    >>> stance([s])
    -1
    """
    score = sum(sign for _, sign in leaning_words(sentences))
    return (score > 0) - (score < 0)


def leaning_words(sentences: list[Sentence]) -> list[tuple[str, int]]:
    """The words that give the sentences their :func:`stance`, each shown with the words either side
    of it as the pupil wrote them (from the negation that turns it round, if any), and which way it
    leans (+1 or -1). A sentence that weighs both sides gives none, and neither does one that opens
    by answering the sentence before it ("But ...", "However, ...": ``answering_openers``).

    >>> from marker.evidence import Sentence
    >>> s = Sentence(0, 0, 0, "It wasn't the main reason, only a minor one.", 0, 10, True, False, "analysis", (), False, (), ())
    >>> leaning_words([s])
    [("wasn't the main reason", -1), ('a minor one', -1)]
    """
    out = []
    for n, s in enumerate(sentences):
        words = _words(s.text)
        if n and words and words[0] in _ANSWERING_OPENERS:
            continue  # "But it was less decisive ...": it weighs itself against the sentence before
        lean = _leaning(words)
        if not weighs_both_sides(words, lean):
            out.extend((shown, sign) for _, shown, sign in lean)
    return out


def weighs_anywhere(sentences: list[Sentence]) -> bool:
    """Whether any of the sentences weighs both sides (:func:`weighs_both_sides`).

    >>> from marker.evidence import Sentence
    >>> s = Sentence(0, 0, 0, "It was significant but limited.", 0, 5, True, False, "analysis", (), False, (), ())
    >>> weighs_anywhere([s])
    True
    """
    for s in sentences:
        words = _words(s.text)
        if weighs_both_sides(words, _leaning(words)):
            return True
    return False


def _words(text: str) -> list[str]:
    return [w.strip(".,;:!?()\"'‘’“”") for w in text.lower().replace("n't", " n't").split()]


def _leaning(words: list[str]) -> list[tuple[int, str, int]]:
    """(position, the word shown with its neighbours, +1 or -1) of each judgement word."""
    out = []
    for i, w in enumerate(words):
        if w.endswith("ly") and w not in _LEANING:
            w = w[:-2]  # "decisively", "successfully", "partially": the judgement word's adverb
        sign = 1 if w in POSITIVE else -1 if w in LIMITING else 0
        if not sign:
            continue
        start = max(0, i - _T.negation_window)
        negator = next((k for k in range(start, i) if words[k] in _NEGATORS), None)
        too = next(
            (
                k
                for k in range(max(0, i - _T.too_window), i)
                if words[k] == "too" and "to" in words[k + 1 : i]
            ),
            None,
        )
        first = max(0, i - 1)
        if negator is not None:
            first = negator - (words[negator] == "n't" and negator > 0)
        elif too is not None:
            first = too
        shown = " ".join(words[first : i + 2]).replace(" n't", "n't")  # "wasn't", as written
        out.append((i, shown, -sign if (negator is None) == (too is not None) else sign))
    return out


def weighs_both_sides(words: list[str], lean: list[tuple[int, str, int]]) -> bool:
    """Whether a sentence weighs both sides rather than taking one: its judgement words lean both
    ways, it qualifies its verdict ("only partly valid", "up to a point": ``hedge_phrases``), or a
    contrast ("but", "although": ``contrast_words``) has a judgement word on one side and a
    judgement word or a negator on the other ("significant in prolonging it, but not in deciding it").

    >>> weighs_both_sides(_words("It was significant but limited."), _leaning(_words("It was significant but limited.")))
    True
    """
    if not lean:
        return False
    if len({sign for *_, sign in lean}) > 1:
        return True
    text = f" {' '.join(words)} "
    if any(f" {h} " in text for h in HEDGES):
        return True
    near = _T.negation_window + 1
    for c, w in enumerate(words):
        if w not in CONTRASTS:
            continue
        before = [i for i, *_ in lean if i < c]
        after = [i for i, *_ in lean if i > c]
        negated_before = any(words[k] in _NEGATORS for k in range(max(0, c - near), c))
        negated_after = any(words[k] in _NEGATORS for k in range(c + 1, min(len(words), c + 1 + near)))
        if (before and (after or negated_after)) or (after and negated_before):
            return True
    return False


def _on_focus(
    evidence: Evidence,
    sents: list[Sentence],
    focus: tuple[str, ...],
    scheme_keys: frozenset[str],
    scheme_concepts: frozenset[str],
    essay: bool = False,
) -> set[int]:
    """Indices of sentences that touch the question: a mark-scheme cue or concept, or a focus term
    (in an essay, singular or plural alike; short answers are read as written, as the public
    short-answer sets were measured)."""
    on_focus = {
        m.sent
        for m in evidence.mentions
        if m.key in scheme_keys or (m.concept and m.concept in scheme_concepts)
    }
    form = _singular if essay else str
    wanted = {form(t) for t in focus}
    on_focus.update(s.index for s in sents if any(form(t) in wanted for t in s.terms))
    return on_focus


def _singular(term: str) -> str:
    """A term without a plural "s", so that "Soviets" (a proper noun, which the lemmatizer leaves as
    written) touches a question on "Soviet foreign relations".

    >>> _singular("soviets"), _singular("soviet"), _singular("gas")
    ('soviet', 'soviet', 'gas')
    """
    return term[:-1] if len(term) > 3 and term.endswith("s") and not term.endswith("ss") else term


@dataclass(frozen=True)
class _Ends:
    """The opening and closing of an essay, as read for thesis and conclusion."""

    thesis: tuple[int, ...]
    conclusion: tuple[int, ...]
    answers_demand: bool
    inconsistent: bool


def closing(evidence: Evidence, fallback: int, essay: bool = False) -> list[Sentence]:
    """The argued sentences an answer concludes with.

    Its last paragraph, or in an answer of one paragraph its last ``fallback`` sentences (a
    one-paragraph answer states its judgement, if any, in its last sentences). In an essay, a late
    sentence that opens a conclusion as a whole ("In conclusion, ...", "Overall, ...":
    ``TUNING.structure.conclusion_markers``, or a clause that weighs the whole argument, "Balancing
    these points, ...": :func:`sums_up`, or a verdict on the question's claim, "So I agree only a
    little.", :attr:`~marker.evidence.Sentence.verdict`; after ``TUNING.features.late_opener_share`` of the
    answer) starts it instead when it comes earlier: the same words keep the same conclusion
    however the pupil paragraphed them, in one block or with the conclusion cut into short
    paragraphs; a misspelt one ("In conlusion", "Overal") counts too (:mod:`marker.spelling`). A
    verdict on the question's claim after it, on a line of its own ("So I agree with the statement."),
    closes it (:attr:`~marker.evidence.Sentence.verdict`).
    """
    sents = evidence.argued_sentences()
    if not sents:
        return []
    if len({s.paragraph for s in sents}) > 1:
        tail = [s for s in sents if s.paragraph == sents[-1].paragraph]
    else:
        tail = sents[-fallback:]
    if essay:
        late = len(evidence.sentences) * TUNING.features.late_opener_share
        may_judge = evidence.may_judge()
        opened = [
            s.index
            for s in sents
            if s.index >= late
            and s.index in may_judge
            and (opens_with(s.text, _T.conclusion_markers, misspelt=True) or sums_up(s.text) or s.verdict)
        ]
        if opened and opened[-1] < tail[0].index:
            tail = [s for s in sents if s.index >= opened[-1]]
        # A verdict on the question's claim on a line of its own after the conclusion ("So I agree with
        # the statement.") closes it, though its paragraph names nothing and is not argued.
        tail += [s for s in evidence.sentences if s.verdict and s.counts and s.index > tail[-1].index]
    return tail


def judges(s: Sentence, essay: bool = False) -> bool:
    """Whether a closing sentence states a judgement: evaluation, a claim opened as a conclusion
    ("So the treaty mattered."), or a verdict on the question's claim (:attr:`Sentence.verdict`)."""
    return s.role == EVALUATION or s.verdict or (s.is_claim and is_conclusion_opener(s.text, essay))


def sums_up(sent_text: str) -> bool:
    """Whether a sentence opens with a clause that weighs the whole argument, without a conclusion
    marker: ``TUNING.structure.summing_up_verbs`` then ``summing_up_references``, before a comma.

    >>> sums_up("Balancing these points, Rapallo was significant."), sums_up("Looking at all this, it mattered.")
    (True, True)
    >>> sums_up("Looking at the treaty, it mattered."), sums_up("Given the famine of 1921 and the rising, it ended.")
    (False, False)
    """
    clause, comma, _ = sent_text.partition(",")
    words = clause.lower().split()
    return (
        bool(comma)
        and 0 < len(words) <= _T.summing_up_clause_words
        and words[0] in _SUMMING_UP_VERBS
        and any(w in _SUMMING_UP_REFERENCES for w in words[1:])
    )


def _ends(
    outro: list[Sentence],
    by_para: dict[int, list[Sentence]],
    paragraphs: list[int],
    on_focus: set[int],
    wanted: frozenset[str],
    may_judge: frozenset[int],
    essay: bool = False,
) -> _Ends:
    """Thesis (argued, on-focus sentences of the first paragraph) and conclusion (the judgements of
    the closing sentences, :func:`closing`), whether the conclusion answers the demand, and
    whether the two lean opposite ways. An essay's misspelt conclusion opener ("In conlusion") opens
    one too (:func:`~marker.roles.is_conclusion_opener`)."""
    # An answer in one paragraph has no introduction to set against its conclusion: read as one, the
    # whole answer (its conclusion too) was its thesis, and a nuanced essay in one block was told
    # that its conclusion leans the opposite way to its introduction.
    intro = by_para[paragraphs[0]] if len(paragraphs) > 1 else []
    thesis = tuple(s.index for s in intro if s.role in ANALYTIC_ROLES and s.index in on_focus)
    # A filler sentence is no judgement, nor quoted as one on the ladder (Evidence.may_judge), but a
    # verdict on the question's claim ("So I agree with the statement.") is one, and it is about the
    # question even though it names nothing of the history.
    conclusion = tuple(s.index for s in outro if s.index in may_judge and judges(s, essay))
    concl_sents = [s for s in outro if s.index in conclusion] or outro
    concl_terms = {t for s in concl_sents for t in s.terms}
    answers = (
        bool(conclusion)
        and bool(concl_terms & wanted)
        and any(s.index in on_focus or s.verdict for s in concl_sents)
    )
    thesis_sents = [s for s in intro if s.index in thesis]
    # Opposite only when both ends take one side: an end that weighs both sides in one of its
    # sentences ("highly significant for relations with Germany, but less so as ...") is nuanced.
    inconsistent = (
        bool(thesis_sents)
        and bool(conclusion)
        and not weighs_anywhere(thesis_sents)
        and not weighs_anywhere(concl_sents)
        and stance(thesis_sents) * stance(concl_sents) < 0
    )
    return _Ends(thesis, conclusion, answers, inconsistent)


def _drifting(body: list[int], by_para: dict[int, list[Sentence]], on_focus: set[int]) -> tuple[int, ...]:
    """Body paragraphs of some length none of whose sentences touches the question."""
    return tuple(
        p
        for p in body
        if len(by_para[p]) >= _T.drift_min_sentences and not any(s.index in on_focus for s in by_para[p])
    )


def _out_of_period(
    evidence: Evidence, by_para: dict[int, list[Sentence]], period: tuple[int, int] | None
) -> tuple[int, ...]:
    """Paragraphs with several dates, all outside the question's period (give or take the slack).

    Dates all before the period must also come in several sentences: one sentence of background
    ("the First World War, 1914-1918") is context (``TUNING.facts.reliance_min_sentences``)."""
    if not period:
        return ()
    slack = TUNING.facts.period_slack_years
    out = []
    for p, para in by_para.items():
        ids = {s.index for s in para}
        dates = [d for d in evidence.dates if d.sent in ids]
        background = all(d.year < period[0] - slack for d in dates)
        if (
            len(dates) >= _T.period_min_dates
            and all(not period[0] - slack <= d.year <= period[1] + slack for d in dates)
            and (not background or len({d.sent for d in dates}) >= TUNING.facts.reliance_min_sentences)
        ):
            out.append(p)
    return tuple(out)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def analyse(
    evidence: Evidence,
    question_terms: frozenset[str],
    question_text: str,
    command_word: str,
    period: tuple[int, int] | None,
    scheme_keys: frozenset[str],
    scheme_concepts: frozenset[str],
    essay: bool = False,
) -> Structure:
    """The structure of one answer.

    Args:
        scheme_keys: matcher keys of this question's cue phrases (a hit keeps a paragraph on focus).
        scheme_concepts: concept ids the mark scheme's points name.
        essay: the question is marked by levels (its conclusion may open before its last paragraph:
            :func:`closing`).
    """
    sents = evidence.argued_sentences()
    demand = question_demand(question_text, command_word)
    focus = focus_terms(question_terms)
    paragraphs = sorted({s.paragraph for s in sents})
    by_para = {p: [s for s in sents if s.paragraph == p] for p in paragraphs}
    on_focus = _on_focus(evidence, sents, focus, scheme_keys, scheme_concepts, essay)
    wanted = EXTENT_WORDS | DEMAND_WORDS.get(demand, frozenset())
    outro = closing(evidence, _T.conclusion_fallback_sentences, essay)
    ends = _ends(outro, by_para, paragraphs, on_focus, wanted, evidence.may_judge(), essay)
    # The body is what lies between an introduction and a conclusion, so it needs three paragraphs.
    body = paragraphs[1:-1] if len(paragraphs) > 2 else []
    linked = [p for p in body if by_para[p][0].index in on_focus or by_para[p][-1].index in on_focus]
    return Structure(
        demand=demand,
        focus_terms=focus,
        thesis=ends.thesis,
        conclusion=ends.conclusion,
        answers_demand=ends.answers_demand,
        inconsistent=ends.inconsistent,
        n_paragraphs=len(paragraphs),
        has_introduction=bool(ends.thesis) and len(paragraphs) > 1,
        has_conclusion=bool(ends.conclusion) and len(paragraphs) > 1,
        drifting=_drifting(body, by_para, on_focus),
        out_of_period=_out_of_period(evidence, by_para, period),
        linked_share=_share(len(linked), len(body)),
        focus_share=_share(sum(s.index in on_focus for s in sents), len(sents)),
    )
