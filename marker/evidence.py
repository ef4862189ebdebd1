"""The evidence stage, from a parsed Doc: the only stage that reads spaCy objects (with
:mod:`marker.clauses`, which reads what each date is said with, and :mod:`marker.figures`).

Reads the answer's Doc (with the ``marker_concepts`` spans) and the question's
:class:`~marker.index.QuestionIndex`. Writes :class:`Evidence`: sentences (role, claim or list,
repeat, copied, filler), concept and cue mentions, dates and the concepts they are said of,
figures, and the :class:`~marker.similarity.Match` with the closest full-mark model answer.
Everything downstream (points, structure, features, guards, placement, feedback, the fact
check) works on these plain, frozen dataclasses and never parses text again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process
from spacy.tokens import Doc, Span, Token

from .bank import cue_prefix, reject_key
from .clauses import Said, preposition, said_with
from .concepts import EXACT, SPANS_KEY
from .figures import find_figures
from .roles import ANALYSIS, COUNTER, EVALUATION, is_verdict, sentence_role
from .similarity import (
    NO_MATCH,
    AnswerWords,
    Match,
    answer_words,
    content_terms,
    copied_share,
    is_negated,
    words_of,
)
from .tuning import TUNING

if TYPE_CHECKING:  # the index is built from this module's terms_of; only its type is needed here
    from .index import QuestionIndex

#: Roles that do more than narrate.
ANALYTIC_ROLES = frozenset({ANALYSIS, EVALUATION, COUNTER})

_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS.pop("may", None)  # "may" is too often the verb; the full month is matched only capitalised below
#: Openers left out when comparing sentences for repeats, longest first ("in conclusion" before "in").
_REPEAT_OPENERS = tuple(sorted(TUNING.evidence.repeat_openers, key=len, reverse=True))
_YEAR = re.compile(r"^(1[0-9]{3}|20[0-9]{2})$")
# A paragraph ends at a blank line, or at a line break after the end of a sentence (many
# students press Enter once between paragraphs). A line break in mid-sentence (text pasted
# with hard wraps) ends nothing.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*|(?<=[.!?:;\"'\u201d\u2019)])[ \t]*\n\s*")


@dataclass(frozen=True)
class Mention:
    """A match of the concept component: ``key`` is ``c:<concept>``, ``p:<q>:<point>`` or ``r:<q>:<point>``."""

    key: str
    start: int
    end: int
    text: str
    sent: int
    #: How it was found: "exact", "fuzzy" (a misspelt name) or "loose" (words in between).
    how: str = EXACT

    @property
    def concept(self) -> str | None:
        return self.key[2:] if self.key.startswith("c:") else None


@dataclass(frozen=True)
class DateRef:
    """A date written in the answer; ``linked`` holds the concept keys it is said of."""

    year: int
    month: int | None
    day: int | None
    start: int
    end: int
    text: str
    sent: int
    linked: tuple[str, ...] = ()
    #: The words the date dates, with the concepts each is said of (:mod:`marker.clauses`).
    said: tuple[Said, ...] = ()
    #: The preposition it hangs on ("in", "by"), lower case; "" when none.
    preposition: str = ""


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str
    paragraph: int
    n_words: int
    is_claim: bool
    is_list: bool
    role: str
    role_cues: tuple[str, ...]
    #: True when the same sentence, or a near-duplicate of it, already appeared earlier: each
    #: distinct sentence counts once everywhere (see :func:`is_repeat`).
    repeat: bool
    #: The sentence's function words and punctuation outside any matched name or cue:
    #: templated sentences ("X was significant because of Y.") share one skeleton.
    skeleton: tuple[str, ...]
    #: Content lemmas, lower case: what similarity is computed on.
    terms: tuple[str, ...]
    #: Set against a question (:func:`against_question`): mostly words copied from a model answer.
    copied: bool = False
    #: Set against a question: says nothing about it (no name, date, figure or term of the question).
    filler: bool = False
    #: Set against an essay question: a verdict on the question's own claim ("So I agree with the
    #: statement.", :func:`~marker.roles.is_verdict`). Filler or not, it may state the judgement.
    verdict: bool = False

    @property
    def counts(self) -> bool:
        """Whether the sentence can earn anything: repeats and copied text cannot."""
        return not (self.repeat or self.copied)


@dataclass(frozen=True)
class Evidence:
    text: str
    sentences: tuple[Sentence, ...]
    mentions: tuple[Mention, ...]
    dates: tuple[DateRef, ...]
    n_words: int
    n_paragraphs: int
    #: Numbers that are not dates (figures: troop numbers, percentages).
    figures: tuple[str, ...]
    #: Share of alphabetic tokens that are English function words (low for gibberish or another language).
    stopword_share: float
    #: Set against a question (:func:`gather`): the match with the closest full-mark model answer.
    match: Match = NO_MATCH
    #: The match with each part of a key written in parts (``CoverageMarking.parts``), in order.
    part_matches: tuple[Match, ...] = ()

    def argued_sentences(self) -> list[Sentence]:
        """The sentences that count, in paragraphs that say something about the question.

        A paragraph of pure filler ("Overall there were many reasons...") is no conclusion, so
        padding cannot create a judgement; a short summing-up sentence inside a real
        conclusion still counts. (Filler is marked against a question by :func:`against_question`.)
        """
        content = {s.paragraph for s in self.sentences if s.counts and not s.filler}
        return [s for s in self.sentences if s.counts and s.paragraph in content]

    def may_judge(self) -> frozenset[int]:
        """Indices of the sentences that may state the answer's judgement: argued sentences, and
        verdicts on the question's claim wherever they stand.

        A filler sentence is never the judgement ("Overall this shows that there were many
        reasons..." added at the end), unless it opens a verdict that its own paragraph then
        argues, or is a verdict on the question's own claim ("In conclusion, the view is valid.",
        "So I agree with the statement.": :attr:`Sentence.verdict`), wherever it stands: a verdict
        in the question's own words names nothing, yet it is the judgement an examiner reads.
        """
        argued = self.argued_sentences()
        last_content = {s.paragraph: s.index for s in argued if not s.filler}  # the last one wins
        return frozenset(
            s.index for s in argued if not s.filler or s.index < last_content.get(s.paragraph, -1)
        ) | {s.index for s in self.sentences if s.verdict and s.counts}

    def concept_ids(self, in_claims: bool = False) -> set[str]:
        claims = {s.index for s in self.sentences if s.is_claim and not s.is_list}
        return {m.concept for m in self.mentions if m.concept and (not in_claims or m.sent in claims)}


def _paragraph_starts(text: str) -> list[int]:
    r"""Where paragraphs start.

    >>> _paragraph_starts("One.\nTwo.\n\nThree\nfour.")
    [0, 5, 11]
    """
    return [0] + [m.end() for m in _PARAGRAPH_BREAK.finditer(text)]


def _ends_here(doc: Doc, tok) -> bool:
    """Whether a line break token ends a sentence: a blank line, a break after sentence-final
    punctuation, or the end of a short line (a heading or a list item). A hard wrap in the
    middle of a sentence does not (``TUNING.evidence.short_line_tokens``)."""
    if tok.text.count("\n") >= 2 or tok.i == 0:
        return True
    if doc[tok.i - 1].text in {".", "!", "?", ":", ";", '"', "\u201d", "'", "\u2019", ")"}:
        return True
    line_start = tok.i - 1
    while line_start > 0 and "\n" not in doc[line_start - 1].text:
        line_start -= 1
    return tok.i - line_start < TUNING.evidence.short_line_tokens


def _split_sentences(doc: Doc) -> list[Span]:
    """spaCy's sentences, further split where a line break ends one (see :func:`_ends_here`)."""
    out = []
    for sent in doc.sents:
        start = sent.start
        for tok in sent:
            if tok.is_space and "\n" in tok.text and tok.i > start and _ends_here(doc, tok):
                out.append(doc[start : tok.i])
                start = tok.i + 1
        if start < sent.end:
            out.append(doc[start : sent.end])
    return [s for s in out if s.text.strip()]


def _strip(span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and span.doc[start].is_space:
        start += 1
    while end > start and span.doc[end - 1].is_space:
        end -= 1
    return span.doc[start:end]


def find_dates(sent: Span, sent_index: int) -> list[tuple[DateRef, int, int]]:
    """Dates in a sentence, with their token extent: "16 April 1922", "April 1922", "1922", "1919-21".

    A range yields both of its years. Decades ("the 1920s") are not dates one can check.

    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> [d.text for d, _, _ in find_dates(nlp("Signed on 16 April 1922 at Rapallo.")[:], 0)]
    ['16 April 1922']
    """
    doc = sent.doc
    out = []
    for tok in sent:
        if not _YEAR.match(tok.text):
            continue
        start, end, month, day = tok.i, tok.i + 1, None, None
        prev = doc[tok.i - 1] if tok.i - 1 >= sent.start else None
        if prev is not None and _month(prev):
            month, start = _month(prev), prev.i
            before = doc[prev.i - 1] if prev.i - 1 >= sent.start else None
            if (
                before is not None
                and before.like_num
                and before.text.isdigit()
                and 1 <= int(before.text) <= 31
            ):
                day, start = int(before.text), before.i
        elif prev is not None and prev.text == "," and prev.i - 2 >= sent.start:
            # "April 16, 1922"
            m, d = doc[prev.i - 2], doc[prev.i - 1]
            if _month(m) and d.text.isdigit() and 1 <= int(d.text) <= 31:
                month, day, start = _month(m), int(d.text), m.i
        text = doc[start:end].text
        ref = DateRef(
            int(tok.text), month, day, doc[start].idx, doc[end - 1].idx + len(doc[end - 1]), text, sent_index
        )
        out.append((ref, start, end))
        # "1919-21" or "1919–1921": the second year of a range.
        nxt = doc[tok.i + 1 : tok.i + 3] if tok.i + 2 < sent.end else None
        if (
            nxt is not None
            and nxt[0].text in {"-", "–", "—", "to"}
            and re.fullmatch(r"\d{2}|\d{4}", nxt[1].text)
        ):
            second = nxt[1].text
            year = int(second) if len(second) == 4 else int(tok.text[:2] + second)
            if year > int(tok.text):
                ref2 = DateRef(
                    year, None, None, nxt[1].idx, nxt[1].idx + len(nxt[1]), nxt[1].text, sent_index
                )
                out.append((ref2, nxt[1].i, nxt[1].i + 1))
    return out


def _days(sent: Span) -> set[int]:
    """Days of a month said without a year ("on 16 April", "April 16"): dates, never figures."""
    doc = sent.doc
    return {
        t.i
        for t in sent
        if t.text.isdigit()
        and 1 <= int(t.text) <= 31
        and any(_month(doc[j]) for j in (t.i - 1, t.i + 1) if sent.start <= j < sent.end)
    }


def _month(tok: Token) -> int | None:
    low = tok.lower_.rstrip(".")
    if low == "may":
        return 5 if tok.text == "May" else None
    return _MONTHS.get(low)


def _linked_keys(doc: Doc, start: int, end: int, sent: Span, spans: list[Span]) -> tuple[str, ...]:
    """Concept keys a date is said of: next to the concept, or attached to it in the parse.

    "the Treaty of Rapallo in 1923" (adjacent), "Rapallo, signed in 1923," (the date's
    phrase hangs on a word of the concept's phrase or on the verb the concept governs).
    """
    linked: list[str] = []
    concept_spans = [
        s for s in spans if s.label_.startswith("c:") and s.start >= sent.start and s.end <= sent.end
    ]
    # Syntactic: climb from the date through prepositions to the word it modifies.
    heads = set()
    # Start from the date's own root ("1923" in "April 1923" hangs on "April").
    tok = doc[end - 1]
    while start <= tok.head.i < end and tok.head.i != tok.i:
        tok = tok.head
    for _ in range(TUNING.evidence.date_head_climb):
        tok = tok.head
        heads.add(tok.i)
        if tok.pos_ in {"VERB", "AUX", "NOUN", "PROPN"} and tok.dep_ != "prep":
            break
    for span in concept_spans:
        gap = start - span.end if span.end <= start else span.start - end
        between = [doc[k] for k in range(min(span.end, end), max(span.start, start))]
        # "Rapallo in 1923", "the Treaty of Rapallo (1923)"; not across ", and" or a full stop.
        # A date before the name must touch it ("the 1922 Rapallo treaty"), after it may be a word or two on.
        reach = TUNING.evidence.date_reach_after if span.end <= start else 0
        near = 0 <= gap <= reach and not any(
            t.text in {",", ";", ".", ":"} or t.pos_ == "CCONJ" for t in between
        )
        inside = range(span.start, span.end)
        attached = (
            any(i in heads for i in inside)
            # "the Treaty, signed in 1923, ...": the date's verb modifies the concept
            or (tok.dep_ in {"acl", "relcl", "appos"} and tok.head.i in inside)
            # "Rapallo was signed in 1923": the concept is the subject or object of the date's verb
            or (span.root.head.i in heads and span.root.dep_ in {"nsubj", "nsubjpass", "dobj", "appos"})
        )
        if near or attached:
            linked.append(span.label_)
    return tuple(dict.fromkeys(linked))


def terms_of(span: Span | Doc | list[Token]) -> tuple[str, ...]:
    """Content lemmas, lower case: the words similarity is computed on."""
    return tuple(
        t.lemma_.lower()
        for t in span
        if not t.is_stop and not t.is_punct and not t.is_space and (t.is_alpha or t.like_num)
    )


def extract(doc: Doc, essay: bool = False) -> Evidence:
    """Build the :class:`Evidence` of one parsed answer (one pass over each sentence's tokens).

    Question-independent but for ``essay`` (an essay marked by levels, whose sentences may explain
    without a connective: :func:`marker.roles.essay_links`): :func:`gather` adds what depends on the
    question.
    """
    text = doc.text
    spans = list(doc.spans[SPANS_KEY]) if SPANS_KEY in doc.spans else []
    para_starts = _paragraph_starts(text)
    sents = [_strip(s) for s in _split_sentences(doc)]
    sents = [s for s in sents if len(s)]
    tok_sent = {k: i for i, sent in enumerate(sents) for k in range(sent.start, sent.end)}
    spans_by_sent: dict[int, list[Span]] = {}
    mentions = []
    for span in spans:
        i = tok_sent.get(span.start)
        if i is not None:
            spans_by_sent.setdefault(i, []).append(span)
            mentions.append(Mention(span.label_, span.start_char, span.end_char, span.text, i, span.kb_id_))
    sentences, dates, figures = [], [], []
    seen_texts: list[str] = []
    n_alpha = n_stop = 0
    for i, sent in enumerate(sents):
        own_spans = spans_by_sent.get(i, [])
        found = _dates_and_figures(doc, sent, i, own_spans, dates, figures)
        alpha = [t for t in sent if t.is_alpha]
        n_alpha += len(alpha)
        n_stop += sum(t.is_stop for t in alpha)
        para = max(j for j, p in enumerate(para_starts) if p <= sent.start_char)
        sentences.append(_sentence(sent, i, para, own_spans, bool(found), seen_texts, essay))
    return Evidence(
        text=text,
        sentences=tuple(sentences),
        mentions=tuple(mentions),
        dates=tuple(dates),
        n_words=n_alpha,
        n_paragraphs=len({s.paragraph for s in sentences}),
        figures=tuple(dict.fromkeys(figures)),
        stopword_share=n_stop / n_alpha if n_alpha else 0.0,
    )


def _dates_and_figures(
    doc: Doc,
    sent: Span,
    i: int,
    own_spans: list[Span],
    dates: list[DateRef],
    figures: list[str],
) -> list:
    """Append the sentence's dates (with the concepts they are said of) and figures; return its dates."""
    # Most sentences have no digit, so neither a date nor a figure: no token is looked at.
    digits = any(map(str.isdigit, sent.text))
    found = find_dates(sent, i) if digits else []
    date_tokens = set()
    for ref, s, e in found:
        date_tokens.update(range(s, e))
        linked = _linked_keys(doc, s, e, sent, own_spans)
        said = said_with(sent, s, e, own_spans, [(a, b) for _, a, b in found])
        prep = preposition(sent, s, e)
        dates.append(
            DateRef(ref.year, ref.month, ref.day, ref.start, ref.end, ref.text, i, linked, said, prep)
        )
    if digits:
        figures.extend(find_figures(sent, date_tokens | _days(sent)))
    return found


def is_repeat(norm: str, n_words: int, seen: list[str]) -> bool:
    """Whether a sentence (its :func:`core_words`) says again one already said.

    Word for word, or nearly: a near-duplicate ("Again, the Allies sent troops.", one word
    added or changed) has a rapidfuzz ratio of at least ``TUNING.evidence.near_repeat_ratio``
    with an earlier sentence. Short sentences ("This mattered.") recur honestly and never repeat.

    >>> is_repeat("again the allies sent troops to archangel", 7, ["the allies sent troops to archangel"])
    True
    >>> is_repeat("the allies left siberia in the end", 7, ["the allies sent troops to archangel"])
    False
    """
    tuning = TUNING.evidence
    if n_words < tuning.repeat_min_words or not seen:
        return False
    if norm in seen:
        return True
    # Two sentences said again as one ("X, but Y." after "X." "But Y.") repeat too.
    joined = [f"{a} {b}" for a, b in zip(seen, seen[1:], strict=False)]
    best = process.extractOne(norm, seen + joined, scorer=fuzz.ratio, score_cutoff=tuning.near_repeat_ratio)
    return best is not None


def core_words(norm: str) -> str:
    """A sentence's lower-cased words without an opening that only links it ("this shows that").

    >>> core_words("this shows that the allies sent troops")
    'the allies sent troops'
    """
    for opener in _REPEAT_OPENERS:
        if norm.startswith(opener + " "):
            return norm[len(opener) + 1 :]
    return norm


def own_clauses(toks: list[Token]) -> int:
    """How many main clauses of a sentence, joined by coordination, have their own subject and a
    finite verb ("the breakthrough had come with the trade agreement, and recognition was due to
    Labour": two; a relative clause, "which they call the Miracle", is no main clause)."""
    finite = [t for t in toks if "Fin" in t.morph.get("VerbForm")]
    heads = {t.i for t in finite} | {t.head.i for t in finite if t.dep_ in {"aux", "auxpass"}}
    return sum(
        1
        for t in toks
        if t.dep_ in {"nsubj", "nsubjpass", "expl"} and t.head.i in heads and t.head.dep_ in {"ROOT", "conj"}
    )


def _sentence(
    sent: Span,
    i: int,
    para: int,
    own_spans: list[Span],
    has_date: bool,
    seen_texts: list[str],
    essay: bool = False,
) -> Sentence:
    """One sentence's record: its role, whether it claims or lists, repeats, skeleton and terms."""
    tuning = TUNING.evidence
    n_concept_tokens = sum(len(sp) for sp in own_spans if sp.label_.startswith("c:"))
    toks = list(sent)
    alpha = [t for t in toks if t.is_alpha]
    role = sentence_role(sent, has_fact=has_date or n_concept_tokens > 0, tokens=toks, essay=essay)
    n_commas = sum(1 for t in toks if t.text in {",", ";"})
    is_list = (
        (not role.finite and len(alpha) > 0)
        or (
            n_concept_tokens >= tuning.list_concept_share * max(len(alpha), 1)
            and n_commas >= tuning.list_min_commas
            and not (essay and role.role in ANALYTIC_ROLES and own_clauses(toks) > tuning.list_max_clauses)
        )
        # fragments strung together with commas: "isolation, trade deals, military cooperation, ..."
        or (
            n_commas >= tuning.fragment_commas
            and len(alpha) / (n_commas + 1) < tuning.fragment_words_per_piece
        )
        # a short fragment with no subject: "recognised the Soviet", "trade deals"
        or (
            len(alpha) < tuning.fragment_max_words
            and not any(t.dep_ in {"nsubj", "nsubjpass", "expl"} for t in toks)
        )
    )
    in_span = {k for sp in own_spans for k in range(sp.start, sp.end)}
    norm = core_words(" ".join(t.lower_ for t in alpha))
    repeat = is_repeat(norm, len(alpha), seen_texts)
    seen_texts.append(norm)
    return Sentence(
        index=i,
        start=sent.start_char,
        end=sent.end_char,
        text=sent.text,
        paragraph=para,
        n_words=len(alpha),
        is_claim=role.finite and not is_list,
        is_list=is_list,
        role=role.role,
        role_cues=role.cues,
        repeat=repeat,
        skeleton=tuple(t.lower_ for t in toks if (t.is_stop or t.is_punct) and t.i not in in_span),
        terms=terms_of(toks),
    )


# --------------------------------------------------------------------------- against the question


def gather(doc: Doc, index: QuestionIndex) -> Evidence:
    """The evidence stage: everything marking needs from a parsed answer, read against its question.

    Reads the Doc (the only stage that does) and the question's index; writes the
    :class:`Evidence`, with copied and filler sentences flagged and the match with the closest
    full-mark model answer (and with each part of a key written in parts).
    """
    evidence = against_question(extract(doc, essay=index.scheme.essay), index)
    if not index.model_set:
        return evidence
    words = _unrejected_words(doc, evidence, index)
    return replace(
        evidence,
        match=index.model_set.match(words),
        part_matches=tuple(part.match(words) for part in index.part_sets),
    )


def _unrejected_words(doc: Doc, evidence: Evidence, index: QuestionIndex) -> AnswerWords:
    """The answer's words for the match, less the sentences that say a wording the key rejects.

    Only for short answers marked by their match ("do not accept: carbon monoxide"); points
    questions skip a rejected sentence in the points stage.
    """
    if not index.scheme.short_answers or not any(p.reject for p in index.question.points):
        return answer_words(doc)
    prefix = reject_key(index.question, "", index.version)
    rejected = {m.sent for m in evidence.mentions if m.key.startswith(prefix)}
    if not rejected:
        return answer_words(doc)
    spans = [(s.start, s.end) for s in evidence.sentences if s.index in rejected]
    kept = [t for t in doc if not any(a <= t.idx < b for a, b in spans)]
    text = " ".join(s.text for s in evidence.sentences if s.index not in rejected)
    return AnswerWords(text, content_terms(kept), is_negated(kept))


def against_question(evidence: Evidence, index: QuestionIndex) -> Evidence:
    """Mark the sentences that are copied, say nothing about this question, or (in an essay) give a
    verdict on its claim."""
    tuning = TUNING.evidence
    cue = cue_prefix(index.question, index.version)
    anchored = {m.sent for m in evidence.mentions if m.concept or m.key.startswith(cue)}
    anchored |= {d.sent for d in evidence.dates}
    sentences = []
    for s in evidence.sentences:
        words = words_of(s.text)
        share = copied_share(words, index.source_runs, tuning.copy_run)
        # A stock phrase shared with a model answer ("a limited impact on the outcome of the
        # Civil War") is not copying: a copied sentence has most of its words, and at least
        # copy_min_words of them, inside runs taken from a model answer.
        copied = share >= tuning.copied_share and share * len(words) >= tuning.copy_min_words
        filler = (
            s.index not in anchored
            and len(set(s.terms) & index.scheme_terms) < tuning.filler_min_scheme_terms
        )
        verdict = index.scheme.essay and is_verdict(s.text, s.terms)
        if copied or filler or verdict:
            s = replace(s, copied=copied, filler=filler, verdict=verdict)
        sentences.append(s)
    return replace(evidence, sentences=tuple(sentences))
