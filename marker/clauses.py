"""What a date in an answer dates: the word it is said with, and who or what that is said of.

"The Comintern was founded in 1921": the date dates "founded", said of the Comintern, which
undergoes it. :func:`said_with` reads this off the parse for each date, and the fact check
matches it against the phrasings of the knowledge base's dated facts (``Fact.phrasing``), so
that a slip is caught in an ordinary sentence that never names the event ("the founding
congress of the Comintern").

Pure functions of a parsed sentence and its concept spans (``c:<concept>`` labels). How far a
date climbs to its word and which pronouns stand for a concept are ``TUNING.facts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Span, Token

from .tuning import TUNING

#: Children that start another clause: what they say is not said with the word above them.
_OTHER_CLAUSES = frozenset({"conj", "advcl", "ccomp", "parataxis", "cc"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass"})


@dataclass(frozen=True)
class Said:
    """A word a date is said with, and the concepts it is said of.

    Attributes:
        words: the word's lemma, lower case, and with its particle ("set up").
        of: concept ids its clause names: subject, objects, the noun a participle describes,
            what a subject pronoun stands for.
        undergo: those of ``of`` that undergo it: a passive subject, an object, the subject
            of a verb with no object ("the blockade ended"), the noun a past participle
            describes, the "of" object or possessor of a noun ("Kolchak's execution").
        text: the clause's words, lower case, space-separated, for a phrasing's ``needs``
            and ``unless``.
    """

    words: frozenset[str]
    of: frozenset[str]
    undergo: frozenset[str]
    text: str


def preposition(sent: Span, start: int, end: int) -> str:
    """The preposition a date hangs on, lower case ("in", "by"), or "" when it hangs on none."""
    tok = _date_root(sent, start, end)
    head = tok.head
    return head.lower_ if head.i != tok.i and (head.dep_ == "prep" or head.pos_ == "ADP") else ""


def said_with(
    sent: Span, start: int, end: int, spans: Sequence[Span], dates: Sequence[tuple[int, int]] = ()
) -> tuple[Said, ...]:
    """What the date at tokens ``start:end`` of ``sent`` is said with (none when it dates no
    verb or noun), with the concepts of ``spans`` each word is said of.

    ``dates`` are the token extents of the sentence's dates. When another of them is in the
    same clause, each word goes with the nearer date: "peace was made with Estonia in 1920 and
    with Poland at Riga in 1922" does not say that Riga was in 1920.
    """
    concepts = [s for s in spans if s.label_.startswith("c:") and sent.start <= s.start and s.end <= sent.end]
    out = []
    for word in dated_words(sent, start, end):
        clause = _clause(word, concepts)
        rivals = [(s, e) for s, e in dates if (s, e) != (start, end) and s in clause]
        if rivals:
            clause = {i for i in clause if _gap(i, start, end) <= min(_gap(i, s, e) for s, e in rivals)}
        of = {s.label_[2:] for s in concepts if any(t.i in clause for t in s)}
        undergo = {s.label_[2:] for s in concepts if _undergoes(s, word, concepts) and s.start in clause}
        words = {word.lemma_.lower()}
        words |= {f"{word.lemma_.lower()} {c.lower_}" for c in word.children if c.dep_ == "prt"}
        text = " ".join(sent.doc[i].lower_ for i in sorted(clause))
        out.append(Said(frozenset(words), frozenset(of), frozenset(undergo), text))
    return tuple(out)


def _gap(i: int, start: int, end: int) -> int:
    """Tokens between token ``i`` and the extent ``start:end``."""
    return 0 if start <= i < end else (start - i if i < start else i - end + 1)


def _date_root(sent: Span, start: int, end: int) -> Token:
    """The date's own root ("1923" in "April 1923" hangs on "April")."""
    tok = sent.doc[end - 1]
    while start <= tok.head.i < end and tok.head.i != tok.i:
        tok = tok.head
    return tok


def dated_words(sent: Span, start: int, end: int) -> list[Token]:
    """The words a date dates: climbing from it through prepositions and names to the first verb
    or common noun. A verb brings the verbs it governs as a complement ("forced ... to accept");
    a noun, the noun it is the "of" object of ("the lifting of the blockade in 1920")."""
    tok = _date_root(sent, start, end)
    for _ in range(TUNING.facts.said_climb):
        if tok.head.i == tok.i:
            return []
        tok = tok.head
        if tok.pos_ == "AUX":
            return []  # "was in 1920": a state, not an event
        if tok.pos_ == "VERB":
            return [tok, *(c for c in tok.children if c.dep_ == "xcomp" and c.pos_ == "VERB")]
        if tok.pos_ == "NOUN":
            of = tok.head
            if tok.dep_ == "pobj" and of.lower_ == "of" and of.head.pos_ == "NOUN":
                return [tok, of.head]
            return [tok]
    return []


def _clause(word: Token, concepts: Sequence[Span]) -> set[int]:
    """Token indices of the word's clause, other clauses left out, with what it shares: the
    subject of the verb it is joined to or completes, the noun it describes, what a pronoun
    subject stands for."""
    clause = set(_own(word))
    if word.pos_ == "VERB" and not any(c.dep_ in _SUBJECTS for c in word.children):
        if word.dep_ in {"conj", "xcomp"}:
            for c in word.head.children:
                if c.dep_ in _SUBJECTS or (word.dep_ == "xcomp" and c.dep_ == "dobj"):
                    clause.update(t.i for t in c.subtree)
        if word.dep_ in {"acl", "relcl"}:
            clause.add(word.head.i)
    if word.pos_ == "NOUN" and word.dep_ == "pobj" and word.head.lower_ == "of":
        clause.update(t.i for t in word.head.head.subtree)
    if _pronoun_subject(word) is not None:
        clause.update(i for s in _before(word, concepts) for i in range(s.start, s.end))
    return clause


def _shared_subjects(word: Token) -> list[Token]:
    """The subjects a verb with none of its own shares with the verb it is joined to ("Kolchak
    was handed over and shot in 1920")."""
    if word.dep_ != "conj" or any(c.dep_ in _SUBJECTS for c in word.children):
        return []
    return [c for c in word.head.children if c.dep_ in _SUBJECTS]


def _own(word: Token) -> list[int]:
    """The word's subtree without the other clauses hanging on it."""
    left_out = {t.i for c in word.children if c.dep_ in _OTHER_CLAUSES for t in c.subtree}
    return [t.i for t in word.subtree if t.i not in left_out]


def _pronoun_subject(word: Token) -> Token | None:
    return next(
        (c for c in word.children if c.dep_ in _SUBJECTS and c.lower_ in TUNING.facts.pronouns),
        None,
    )


def _before(word: Token, concepts: Sequence[Span]) -> list[Span]:
    """The concepts named before a pronoun subject of ``word``: those it may stand for."""
    pronoun = _pronoun_subject(word)
    return [s for s in concepts if pronoun is not None and s.end <= pronoun.i]


def _undergoes(span: Span, word: Token, concepts: Sequence[Span]) -> bool:
    """Whether the concept undergoes what ``word`` says (see :class:`Said`)."""
    inside = {t.i for t in span}
    if word.pos_ == "NOUN":
        return any(
            (c.dep_ in {"poss", "compound"} and c.i in inside)
            or (c.dep_ == "prep" and c.lower_ == "of" and any(t.i in inside for t in c.subtree))
            for c in word.children
        )
    has_object = any(c.dep_ == "dobj" for c in word.children)
    for c in [*word.children, *_shared_subjects(word)]:
        role = c.dep_ in {"nsubjpass", "dobj"} or (c.dep_ == "nsubj" and not has_object)
        if role and any(t.i in inside for t in c.subtree):
            return True
    if word.dep_ == "acl" and word.tag_ == "VBN" and word.head.i in inside:
        return True  # "the Comintern, founded in 1921"
    if word.dep_ == "relcl" and word.head.i in inside:
        rel = next((c for c in word.children if c.dep_ in _SUBJECTS), None)
        return rel is not None and (rel.dep_ == "nsubjpass" or not has_object)
    if word.dep_ == "xcomp" and not any(c.dep_ in _SUBJECTS for c in word.children):
        return False
    pronoun = _pronoun_subject(word)
    passive_like = pronoun is not None and (pronoun.dep_ == "nsubjpass" or not has_object)
    return passive_like and span in _before(word, concepts)
