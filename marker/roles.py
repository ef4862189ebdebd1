"""What each sentence does in the argument: narrate, analyse, evaluate or counter-argue.

The role comes from the parse, not from word lists alone: connectives count only in the
grammatical job that makes them argumentative ("since" as a subordinating conjunction,
not "since 1918"; "so" joining clauses; "lead" as a verb), and a sentence needs a finite
verb to claim anything. The lists of connectives are data of this module, kept short
and readable; a later issue deepens the analysis on top of :func:`sentence_role`.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Span

NARRATIVE, ANALYSIS, EVALUATION, COUNTER, OTHER = (
    "narrative",
    "analysis",
    "evaluation",
    "counter-argument",
    "other",
)

# Lemma sequences; matched against a sentence's lower-cased lemmas.
_CAUSAL_PHRASES = [
    ("as", "a", "result"),
    ("lead", "to"),
    ("result", "in"),
    ("due", "to"),
    ("owe", "to"),
    ("in", "order", "to"),
    ("this", "mean"),
    ("which", "mean"),
    ("contribute", "to"),
    ("because", "of"),
    ("so", "that"),
    ("give", "rise", "to"),
    ("the", "reason"),
    ("this", "show"),
    ("this", "suggest"),
    ("which", "show"),
]
_CAUSAL_WORDS = {
    "because",
    "therefore",
    "thus",
    "consequently",
    "hence",
    "cause",
    "allow",
    "enable",
    "ensure",
    "force",
    "encourage",
    "undermine",
    "strengthen",
    "weaken",
    "prevent",
    "reinforce",
    "damage",
    "help",
    "provoke",
    "persuade",
    "drive",
    "push",
    "explain",
    "impact",
    "effect",
    "consequence",
    "mean",
    "demonstrate",
    "reveal",
    "prove",
    "boost",
    "hinder",
    "secure",
    "gain",
    "lose",
}
_EVALUATION_PHRASES = [
    ("in", "conclusion"),
    ("on", "balance"),
    ("to", "a", "large", "extent"),
    ("to", "some", "extent"),
    ("to", "a", "limited", "extent"),
    ("more", "important"),
    ("most", "important"),
    ("more", "significant"),
    ("most", "significant"),
    ("the", "main"),
    ("the", "key"),
    ("far", "more"),
    ("above", "all"),
    ("to", "conclude"),
    ("taken", "together"),
    ("in", "the", "long", "term"),
    ("turning", "point"),
]
_EVALUATION_WORDS = {
    "overall",
    "ultimately",
    "significant",
    "significance",
    "decisive",
    "crucial",
    "outweigh",
    "largely",
    "partly",
    "primarily",
    "mainly",
    "limited",
    "vital",
    "fundamental",
    "essential",
    "marginal",
    "minor",
    "greater",
    "central",
    "judgement",
    "extent",
}
_COUNTER_PHRASES = [
    ("on", "the", "other", "hand"),
    ("it", "could", "be", "argue"),
    ("in", "contrast"),
    ("even", "so"),
    ("other", "factor"),
    ("another", "factor"),
    ("some", "historian"),
    ("by", "contrast"),
    ("at", "the", "same", "time"),
]
_COUNTER_WORDS = {"however", "nevertheless", "nonetheless", "although", "though", "whereas", "despite", "yet"}
_CONCLUSION_OPENERS = {
    "overall",
    "ultimately",
    "conclusion",
    "conclude",
    "therefore",
    "thus",
    "clearly",
    "balance",
}


@dataclass(frozen=True)
class Role:
    role: str
    cues: tuple[str, ...]
    finite: bool


def _has_phrase(joined: str, phrases: list[tuple[str, ...]]) -> list[str]:
    """The phrases found in a sentence's lemmas, given joined as " a b c " (spaces at both ends)."""
    return [" ".join(p) for p in phrases if f" {' '.join(p)} " in joined]


def _connective_ok(token, sent_start: int) -> bool:
    """Whether an ambiguous connective is doing its argumentative job in this parse."""
    lemma = token.lemma_.lower()
    if lemma in {"since", "as", "while"}:
        return token.dep_ == "mark"
    if lemma == "so":
        return token.dep_ in {"cc", "advmod", "mark"} and token.i > sent_start
    if lemma == "yet":
        return token.dep_ in {"cc", "advmod"}
    if lemma in {
        "lead",
        "cause",
        "force",
        "drive",
        "push",
        "help",
        "mean",
        "gain",
        "lose",
        "secure",
        "damage",
    }:
        return token.pos_ in {"VERB", "AUX"}
    return True


def has_finite_verb(sent) -> bool:
    return any(
        "Fin" in t.morph.get("VerbForm") or (t.dep_ == "ROOT" and t.pos_ in {"VERB", "AUX"}) for t in sent
    )


def sentence_role(sent: Span, has_fact: bool, tokens: list | None = None) -> Role:
    """Label one sentence.

    Args:
        sent: the sentence, parsed.
        has_fact: whether it names a concept or a date (narrative needs something to narrate).
        tokens: the sentence's tokens, if the caller already has them as a list.
    """
    toks = tokens if tokens is not None else list(sent)
    finite = has_finite_verb(toks)
    lemmas = [t.lemma_.lower() for t in toks if not t.is_space]
    joined = f" {' '.join(lemmas)} "
    words = {t.lemma_.lower() for t in toks if _connective_ok(t, sent.start)}
    evaluation = _has_phrase(joined, _EVALUATION_PHRASES) + sorted(words & _EVALUATION_WORDS)
    counter = _has_phrase(joined, _COUNTER_PHRASES) + sorted(words & _COUNTER_WORDS)
    if "but" in words and any(t.lower_ == "but" and t.dep_ == "cc" for t in toks):
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
    if causal or evaluation:
        return Role(ANALYSIS, tuple(causal + evaluation), True)
    if has_fact:
        return Role(NARRATIVE, (), True)
    return Role(OTHER, (), True)


_OPENERS = (
    "overall",
    "ultimately",
    "in conclusion",
    "to conclude",
    "on balance",
    "in summary",
    "in short",
    "therefore",
    "thus",
    "clearly",
    "to sum up",
    "all in all",
    "on the whole",
    "in the end",
    "taken together",
    "all things",
    "taking everything",
)


def is_conclusion_opener(sent_text: str) -> bool:
    """Whether a sentence opens like a conclusion ("Overall, ...", "So the view is ...").

    >>> is_conclusion_opener("So the view is only partly valid."), is_conclusion_opener("Soviet troops left.")
    (True, False)
    """
    words = sent_text.strip().lower().split()
    head = " ".join(words[:2]).strip(",.:;")
    return head.startswith(_OPENERS) or (bool(words) and words[0].strip(",") in {"so", "hence"})
