"""What each sentence does in the argument: narrate, analyse, evaluate or counter-argue.

The role comes from the parse, not from word lists alone: connectives count only in the
grammatical job that makes them argumentative ("since" as a subordinating conjunction,
not "since 1918"; "so" joining clauses; "lead" as a verb), and a sentence needs a finite
verb to claim anything. The lists of connectives are ``TUNING.roles`` in
``marker/tuning.py``, each with why it is there.

Reads: one parsed sentence (a spaCy ``Span``; this module is part of the evidence stage,
the only one that reads spaCy objects). Writes: a :class:`Role` per sentence.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Span

from .nlp import MODEL_NAMES
from .spelling import english_words, read_word
from .tuning import TUNING

NARRATIVE, ANALYSIS, EVALUATION, COUNTER, OTHER = (
    "narrative",
    "analysis",
    "evaluation",
    "counter-argument",
    "other",
)

_R = TUNING.roles
# Phrases are lemma sequences matched against a sentence's lower-cased lemmas.
_CAUSAL_PHRASES = _R.causal_phrases
_CAUSAL_WORDS = frozenset(_R.causal_words)
_EVALUATION_PHRASES = _R.evaluation_phrases
_EVALUATION_WORDS = frozenset(_R.evaluation_words)
_COUNTER_PHRASES = _R.counter_phrases
_COUNTER_WORDS = frozenset(_R.counter_words)
_CONCLUSION_OPENERS = frozenset(_R.conclusion_lemmas)
_MARK_CONNECTIVES = frozenset(_R.mark_connectives)
_VERB_CONNECTIVES = frozenset(_R.verb_connectives)
_CLAIMS = frozenset(_R.verdict_claims)
_CLAIM_DETERMINERS = frozenset(_R.verdict_determiners)
#: Verdict words other than the claim nouns themselves ("the view" alone judges nothing).
_VERDICT_WORDS = frozenset(_R.verdict_words) - _CLAIMS
_AGREEMENT = frozenset(_R.agreement_words)
_FIRST_PERSON = frozenset(_R.first_person_words)
_EXPLAINING_MARKS = frozenset(_R.explaining_marks)
_ABSOLUTE_OPENERS = frozenset(_R.absolute_openers)
_INFERENCE_OPENERS = frozenset(_R.inference_openers)
_CLAIM_VERBS = frozenset(_R.claim_verbs)
_NEGATIVE_WORDS = frozenset(_R.negative_words)
# Penn tags: the present and past tense of a verb, and comparatives and superlatives (degree).
_PRESENT, _PAST, _DEGREE = (
    frozenset({"VBZ", "VBP"}),
    frozenset({"VBD", "VBN"}),
    frozenset({"JJR", "JJS", "RBR", "RBS"}),
)
#: Dependents by which a clause predicates a complement of what it names, after its verb ("made X
#: possible", "decided who won"); a clause before the verb is a comma splice the parser joined.
_PREDICATED = frozenset({"ccomp", "acomp", "oprd"})


@dataclass(frozen=True)
class Role:
    role: str
    cues: tuple[str, ...]
    finite: bool


def _has_phrase(joined: str, phrases: Sequence[tuple[str, ...]]) -> list[str]:
    """The phrases found in a sentence's lemmas, given joined as " a b c " (spaces at both ends)."""
    return [" ".join(p) for p in phrases if f" {' '.join(p)} " in joined]


def _connective_ok(token, sent_start: int) -> bool:
    """Whether an ambiguous connective is doing its argumentative job in this parse."""
    lemma = token.lemma_.lower()
    if lemma in _MARK_CONNECTIVES:
        return token.dep_ == "mark"
    if lemma == "so":
        return token.dep_ in {"cc", "advmod", "mark"} and token.i > sent_start
    if lemma == "yet":
        return token.dep_ in {"cc", "advmod"}
    if lemma in _VERB_CONNECTIVES:
        return token.pos_ in {"VERB", "AUX"}
    return True


def _finite(tokens) -> bool:
    """Whether the tokens hold a verb the tagger marks finite."""
    return any("Fin" in t.morph.get("VerbForm") for t in tokens)


def has_finite_verb(sent) -> bool:
    """A finite verb, or a root verb the tagger left without a verb form."""
    return _finite(sent) or any(t.dep_ == "ROOT" and t.pos_ in {"VERB", "AUX"} for t in sent)


def essay_links(tokens: list) -> list[str]:
    """How a sentence with no connective word may still explain, as pupils write it (essays only):
    a claim, a colon, then a clause that explains or shows it ("Genoa showed the limits: the
    Soviets would not pay the debts ..."), a finite verb on both sides of one of
    ``TUNING.roles.explaining_marks``. A colon before a list ("made peace with the neighbours: the
    Baltic treaties of 1920, Riga ...") has no finite verb after it and explains nothing. An absolute
    clause opening the sentence ("With each country guarding its own corner there was no joint
    command": :func:`_absolute`) gives the circumstance the main clause follows from, and explains too.
    """
    for k, t in enumerate(tokens):
        if t.text in _EXPLAINING_MARKS and k > 0 and _finite(tokens[:k]) and _finite(tokens[k + 1 :]):
            return [t.text]
    words = [t for t in tokens if not t.is_punct and not t.is_space]
    if words and words[0].lower_ in _ABSOLUTE_OPENERS and _absolute(words[0]):
        return [words[0].lower_]
    return []


def _absolute(opener) -> bool:
    """Whether a sentence's opening preposition ("with") heads an absolute clause, a verb with its own
    subject before the main clause: "With each country guarding its own corner there was no joint
    command", "With the armistice signed, the original purpose had gone". "With this help Denikin was
    able to ..." names a means, not a circumstance the main clause follows from."""
    verbs = [opener.head] if opener.dep_ == "mark" else [c for c in opener.children if c.dep_ == "pcomp"]
    return any(
        v.pos_ in {"VERB", "AUX"}
        and v.dep_ != "ROOT"
        and any(c.dep_ in {"nsubj", "nsubjpass"} for c in v.children)
        for v in verbs
    )


def _event_clause(verb) -> bool:
    """Whether a clause headed by ``verb`` tells an event: a verb of action or a passive in the past
    tense ("the Poles attacked", "it was crushed", "there was a rising"), not a claim: a copula with
    its complement ("was too small"), a verb that weighs or links (``TUNING.roles.claim_verbs``:
    "mattered", "decided who won"), a complement predicated of its object ("made recognition
    possible", "came away stronger"), or the present tense of an argument. (A sentence with a
    negation or a modal anywhere tells no events: :func:`told_events` asks only of others.)"""
    kids = list(verb.children)
    if verb.pos_ not in {"VERB", "AUX"} or verb.lemma_.lower() in _CLAIM_VERBS:
        return False
    if verb.lemma_ == "be" and not any(c.dep_ == "expl" for c in kids):
        return False
    if any(c.dep_ in _PREDICATED and c.i > verb.i for c in kids):
        return False
    tensed = [verb] + [c for c in kids if c.dep_ in {"aux", "auxpass"}]
    return not any(t.tag_ in _PRESENT for t in tensed) and any(t.tag_ in _PAST for t in tensed)


def told_events(toks: list) -> list:
    """The verbs of the events a sentence tells when each "but" in it joins an event and what
    happened to it ("there was a rising in Berlin but it was crushed by the Freikorps", "the Red
    Army pushed them back to Warsaw but they lost the battle"); empty when a "but" sets a claim
    against its limit ("the intervention mattered, but it did not decide who won"). Every clause
    it joins, and the sentence's main clause, must tell an event (:func:`_event_clause`), the clause
    after "but" on its own verb ("but was pushed back", not "recognised but distrusted"); and the
    sentence may not negate ("did nothing"), weigh by degree ("far more", "the largest") or open
    the sentence with "But", which sets it against what came before.
    """
    buts = [t for t in toks if t.lower_ == "but" and t.dep_ == "cc"]
    if not buts or any(t.dep_ == "neg" or t.tag_ == "MD" or t.tag_ in _DEGREE for t in toks):
        return []
    text = "".join(t.text_with_ws for t in toks)
    if (
        any(t.lower_ in _NEGATIVE_WORDS for t in toks)
        or is_conclusion_opener(text)
        or opens_by_inference(text)
    ):
        return []
    roots = [t for t in toks if t.dep_ == "ROOT"]
    told = []
    for b in buts:
        second = [c for c in b.head.children if c.dep_ == "conj" and c.i > b.i]
        if b.head.i > b.i or not second:
            return []
        own_verb = second[0].tag_ == "VBD" or any(c.dep_ in {"aux", "auxpass"} for c in second[0].children)
        if not (own_verb and _event_clause(b.head) and _event_clause(second[0])):
            return []
        told += [b.head, second[0]]
    if not all(_event_clause(r) for r in roots):
        return []
    return told


def sentence_role(sent: Span, has_fact: bool, tokens: list | None = None, essay: bool = False) -> Role:
    """Label one sentence.

    Args:
        sent: the sentence, parsed.
        has_fact: whether it names a concept or a date (narrative needs something to narrate).
        tokens: the sentence's tokens, if the caller already has them as a list.
        essay: an essay marked by levels: a sentence with no connective may still explain, by a
            colon before a clause that shows the claim (:func:`essay_links`), and a "but" between an
            event and what happened to it narrates (:func:`told_events`). Short answers are read
            without either.
    """
    toks = tokens if tokens is not None else list(sent)
    finite = has_finite_verb(toks)
    lemmas = [t.lemma_.lower() for t in toks if not t.is_space]
    joined = f" {' '.join(lemmas)} "
    # In an essay, a "but" between an event and what happened to it narrates; the verbs of those
    # events ("pushed them back ... but they lost the battle") are what is told, not links.
    told = {t.i for t in told_events(toks)} if essay else set()
    words = {t.lemma_.lower() for t in toks if _connective_ok(t, sent.start) and t.i not in told}
    evaluation = _has_phrase(joined, _EVALUATION_PHRASES) + sorted(words & _EVALUATION_WORDS)
    counter = _has_phrase(joined, _COUNTER_PHRASES) + sorted(words & _COUNTER_WORDS)
    if "but" in words and any(t.lower_ == "but" and t.dep_ == "cc" for t in toks) and not told:
        counter.append("but")
    marks = {t.lower_ for t in toks if t.dep_ == "mark"}
    if marks & {"since", "while"}:
        # "since" marks a reason; "while" a contrast.
        (counter if "while" in marks else evaluation).append("since/while")
    causal = _has_phrase(joined, _CAUSAL_PHRASES) + sorted(words & _CAUSAL_WORDS)
    if not finite:
        return Role(OTHER, (), False)
    opener = lemmas[0] if lemmas else ""
    if evaluation and (opener in _CONCLUSION_OPENERS or len(evaluation) >= 2 or (evaluation and causal)):
        return Role(EVALUATION, tuple(evaluation + causal), True)
    if counter:
        return Role(COUNTER, tuple(counter), True)
    if essay and not (causal or evaluation):
        causal = essay_links(toks)
    if causal or evaluation:
        return Role(ANALYSIS, tuple(causal + evaluation), True)
    if has_fact:
        return Role(NARRATIVE, (), True)
    return Role(OTHER, (), True)


@functools.lru_cache(maxsize=8)
def _words_of(phrases: tuple[str, ...]) -> frozenset[str]:
    """The words of ``phrases``, which a misspelt opening word may be read as."""
    return frozenset(w for p in phrases for w in p.split() if w.isalpha())


def _head(sent_text: str, phrases: tuple[str, ...], misspelt: bool) -> list[str]:
    """A sentence's first two lower-cased words; with ``misspelt``, each word that is no English
    word read as the word of ``phrases`` it misspells ("In conlusion", "Overal": essays only)."""
    words = sent_text.lower().split()[:2]
    if not misspelt:
        return words
    return [read_word(w, _words_of(phrases), english_words(MODEL_NAMES)) for w in words]


def opens_with(sent_text: str, phrases: tuple[str, ...], misspelt: bool = False) -> bool:
    """Whether a sentence's first two lower-cased words start with one of ``phrases``, read through
    a misspelling of the phrases' words when ``misspelt`` (:func:`marker.spelling.read_word`).

    >>> opens_with("In conclusion, it failed.", ("in conclusion",)), opens_with("It failed.", ("in",))
    (True, False)
    >>> opens_with("In conlusion, it failed.", ("in conclusion",), misspelt=True)
    True
    """
    head = " ".join(_head(sent_text, phrases, misspelt)).strip(",.:;")
    return head.startswith(phrases)


def is_conclusion_opener(sent_text: str, misspelt: bool = False) -> bool:
    """Whether a sentence opens like a conclusion ("Overall, ...", "So the view is ..."); with
    ``misspelt`` (essays), its first words read through a misspelling ("In conlusion", "Overal").

    >>> is_conclusion_opener("So the view is only partly valid."), is_conclusion_opener("Soviet troops left.")
    (True, False)
    >>> is_conclusion_opener("In conlusion, it failed.", True), is_conclusion_opener("In confusion, they fled.", True)
    (True, False)
    """
    words = sent_text.strip().lower().split()
    return opens_with(sent_text, _R.conclusion_openers, misspelt) or (
        bool(words) and words[0].strip(",") in _R.conclusion_first_words
    )


def opens_by_inference(sent_text: str) -> bool:
    """Whether a sentence's first word draws it from what came before ("Therefore ...", "So ...":
    ``TUNING.roles.inference_openers``), read through a misspelling ("Therfore"); whole words only.

    >>> opens_by_inference("Therefore it failed."), opens_by_inference("Therfore, it failed.")
    (True, True)
    >>> opens_by_inference("Soviet troops left."), opens_by_inference("Overall it failed.")
    (False, False)
    """
    words = sent_text.strip().lower().split()
    if not words:
        return False
    first = read_word(words[0], _INFERENCE_OPENERS, english_words(MODEL_NAMES)).strip(",.:;")
    return first in _INFERENCE_OPENERS


def is_verdict(sent_text: str, terms: Sequence[str]) -> bool:
    """Whether a sentence gives a verdict on the question's own claim: it says that "the view" (or
    "this statement", "the interpretation": ``TUNING.roles.verdict_claims`` after one of
    ``verdict_determiners``) is valid, right, convincing, holds... (``verdict_words``), or it says
    "I agree", "I disagree" (``agreement_words`` with a first-person word). ``terms`` are the
    sentence's content lemmas. Such a sentence names nothing of the history (it is usually filler),
    yet in an essay it may state the judgement (:attr:`marker.evidence.Sentence.verdict`).

    >>> is_verdict("In conclusion, the view is valid.", ("conclusion", "view", "valid"))
    True
    >>> is_verdict("So I agree only a little.", ("agree", "little"))
    True
    >>> is_verdict("The Allies could not agree.", ("ally", "agree"))
    False
    >>> is_verdict("They agreed to cancel their claims.", ("agree", "cancel", "claim"))
    False
    >>> is_verdict("Overall there were many reasons why this happened.", ("overall", "reason", "happen"))
    False
    """
    lemmas = set(terms)
    words = re.findall(r"[a-z']+", sent_text.lower())
    if lemmas & _AGREEMENT and set(words) & _FIRST_PERSON:
        return True
    named = any(w in _CLAIMS and words[i - 1] in _CLAIM_DETERMINERS for i, w in enumerate(words) if i)
    return named and bool(lemmas & _VERDICT_WORDS)
