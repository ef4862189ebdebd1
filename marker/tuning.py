"""Every tuning number and word list of the marking engine, in one validated, documented place.

Each value is a pydantic field with bounds (so a slip such as a share of 6 instead of 0.6
fails at import) and a description saying why it has its value: which data it was chosen
on, or what it guards against. The stages read them from :data:`TUNING`; nothing in a stage
hides a bare number that changes a mark.

Sections follow the stages of marking (see ``marker/engine.py``): evidence, points,
structure, features, guards, placement, feedback, and the fact check.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- evidence


class EvidenceTuning(_Section):
    """How the evidence stage reads an answer (copied text, filler, model-answer match)."""


# --------------------------------------------------------------------------- points


class PointsTuning(_Section):
    """When a mark-scheme point counts as credited or partly credited."""


def _word_list(text: str) -> tuple[str, ...]:
    """Words given as one space-separated string, so that long lists stay short to read."""
    return tuple(text.split())


def _phrase_list(text: str) -> tuple[str, ...]:
    """Phrases given as one comma-separated string."""
    return tuple(p.strip() for p in text.split(","))


def _lemma_seqs(text: str) -> tuple[tuple[str, ...], ...]:
    """Lemma sequences given as one comma-separated string of space-separated lemmas."""
    return tuple(tuple(p.split()) for p in text.split(","))


# --------------------------------------------------------------------------- structure


class StructureTuning(_Section):
    """Thesis, conclusion, drift and period checks."""

    extent_words: tuple[str, ...] = Field(
        default=_word_list(
            "extent largely partly partially limited significant significance important importance"
            " main decisive crucial major minor secondary primarily mainly key vital considerable"
            " marginal fundamental greatest most least outweigh turning"
        ),
        min_length=1,
        description=(
            "Words (lower case, as the parse's terms) that carry a judgement of extent or importance. "
            "A judgement of extent ('largely', 'decisive', 'minor') answers any essay question, so "
            "these count whatever the demand; a conclusion with none of them nor the demand's own "
            "words has not answered the question."
        ),
    )
    demand_words: dict[str, Annotated[tuple[str, ...], Field(min_length=1)]] = Field(
        default={
            "success": _word_list(
                "successful success succeed unsuccessful fail failure achieve achievement effective"
                " ineffective"
            ),
            "validity": _word_list(
                "valid validity view agree disagree convincing accurate true reason cause"
            ),
            "impact": _word_list("impact effect influence outcome result consequence contribute"),
            "significance": _word_list("significant significance important importance turning"),
        },
        min_length=1,
        description=(
            "Extra judgement words by the demand a question makes: a conclusion on 'how successful' "
            "answers in the words of success or failure, one on 'how valid is this view' in those of "
            "agreement. Added to extent_words when checking that the conclusion answers the question."
        ),
    )
    demand_cues: dict[str, Annotated[tuple[str, ...], Field(min_length=1)]] = Field(
        default={
            "success": _word_list("success"),
            "validity": _word_list("validity view agree"),
            "significance": _word_list("significan"),
            "impact": _word_list("impact effect"),
        },
        min_length=1,
        description=(
            "How the demand is read from the command word and question text: the first demand (in "
            "this order) one of whose cues occurs in the lower-cased text; 'extent' when none does. "
            "Cues are substrings so that 'significant' and 'significance' both count, and success "
            "comes first because 'how successful ... in your view' asks about success."
        ),
    )
    positive_words: tuple[str, ...] = Field(
        default=_word_list(
            "significant decisive crucial major vital main largely successful key considerable"
            " fundamental greatest primarily mainly breakthrough"
        ),
        min_length=1,
        description=(
            "Words that lean a judgement towards 'it mattered a great deal'. With limiting_words they "
            "give a stance, so that a thesis calling a factor decisive and a conclusion calling it "
            "secondary are flagged as inconsistent."
        ),
    )
    limiting_words: tuple[str, ...] = Field(
        default=_word_list(
            "limited minor secondary partly little marginal unsuccessful exaggerated overstated"
            " failed partial modest"
        ),
        min_length=1,
        description="Words that lean a judgement towards 'it mattered little' (the other side of positive_words).",
    )
    negators: tuple[str, ...] = Field(
        default=_word_list("not no never hardly nor n't"),
        min_length=1,
        description=(
            "Words that turn a judgement word round ('not the main reason' leans to limited), so a "
            "negated judgement is not read as its opposite."
        ),
    )
    negation_window: int = Field(
        default=3,
        ge=1,
        le=10,
        description=(
            "How many words before a judgement word a negator may stand and still turn it round: "
            "enough for 'not the main' and 'was not in fact decisive', short enough that a 'not' in "
            "an earlier clause does not reach it."
        ),
    )
    not_focus_words: tuple[str, ...] = Field(
        default=_word_list(
            "assess evaluate explain describe outline extent far view validity significance impact"
            " successful main reason year early late period way follow statement how what why"
        ),
        min_length=1,
        description=(
            "Question words that say what kind of answer is wanted rather than what it is about. "
            "They are left out of the focus terms, otherwise any sentence saying 'significance' or "
            "'reason' would count as on the question and drifting paragraphs would go unnoticed."
        ),
    )
    conclusion_fallback_sentences: int = Field(
        default=2,
        ge=1,
        le=10,
        description=(
            "In a one-paragraph answer, how many final sentences are read as its conclusion: a short "
            "answer's last two sentences are where a student states a judgement, and more would take "
            "in the narrative before it."
        ),
    )
    drift_min_sentences: int = Field(
        default=2,
        ge=1,
        le=10,
        description=(
            "A body paragraph is called drifting only when it has at least this many argued sentences "
            "and none touches the question: a one-sentence link or aside is not a paragraph off the "
            "question."
        ),
    )
    period_min_dates: int = Field(
        default=2,
        ge=1,
        le=10,
        description=(
            "A paragraph is called out of period only when at least this many of its dates lie outside "
            "the question's period: one outside date is usually context (a cause or a consequence) and "
            "the fact check already notes it."
        ),
    )


# --------------------------------------------------------------------------- roles (sentence roles, read by evidence)


class RolesTuning(_Section):
    """The connectives that say what a sentence does in the argument (``marker/roles.py``).

    Phrases are lemma sequences matched against a sentence's lower-cased lemmas; words are
    single lemmas, counted only where the parse gives them their argumentative job.
    """

    causal_phrases: tuple[Annotated[tuple[str, ...], Field(min_length=2)], ...] = Field(
        default=_lemma_seqs(
            "as a result, lead to, result in, due to, owe to, in order to, this mean, which mean,"
            " contribute to, because of, so that, give rise to, the reason, this show, this suggest,"
            " which show"
        ),
        min_length=1,
        description=(
            "Lemma sequences that link a cause to an effect or a fact to what it shows. Explaining why "
            "is what separates analysis from narrative in every level descriptor of the bank."
        ),
    )
    causal_words: tuple[str, ...] = Field(
        default=_word_list(
            "because therefore thus consequently hence cause allow enable ensure force encourage"
            " undermine strengthen weaken prevent reinforce damage help provoke persuade drive push"
            " explain impact effect consequence mean demonstrate reveal prove boost hinder secure"
            " gain lose"
        ),
        min_length=1,
        description=(
            "Single lemmas of cause and consequence (connectives and verbs of effect). Those listed in "
            "verb_connectives count only as verbs, so 'the help' or 'a gain' is not analysis."
        ),
    )
    evaluation_phrases: tuple[Annotated[tuple[str, ...], Field(min_length=2)], ...] = Field(
        default=_lemma_seqs(
            "in conclusion, on balance, to a large extent, to some extent, to a limited extent,"
            " more important, most important, more significant, most significant, the main, the key,"
            " far more, above all, to conclude, taken together, in the long term, turning point"
        ),
        min_length=1,
        description=(
            "Lemma sequences that weigh one factor against others or state an overall judgement, the "
            "mark of the top levels ('to a large extent', 'more significant', 'on balance')."
        ),
    )
    evaluation_words: tuple[str, ...] = Field(
        default=_word_list(
            "overall ultimately significant significance decisive crucial outweigh largely partly"
            " primarily mainly limited vital fundamental essential marginal minor greater central"
            " judgement extent"
        ),
        min_length=1,
        description=(
            "Single lemmas of weighing and extent. One alone makes a sentence analysis; a sentence is "
            "evaluation only with two of them, a conclusion opener, or a causal link as well, so that "
            "one 'significant' does not make narrative into judgement."
        ),
    )
    counter_phrases: tuple[Annotated[tuple[str, ...], Field(min_length=2)], ...] = Field(
        default=_lemma_seqs(
            "on the other hand, it could be argue, in contrast, even so, other factor, another factor,"
            " some historian, by contrast, at the same time"
        ),
        min_length=1,
        description=(
            "Lemma sequences that bring in the other side or another factor: balance, which the upper "
            "levels require, is built from these sentences."
        ),
    )
    counter_words: tuple[str, ...] = Field(
        default=_word_list("however nevertheless nonetheless although though whereas despite yet"),
        min_length=1,
        description="Single lemmas of concession and contrast ('yet' only as a conjunction or adverb).",
    )
    conclusion_lemmas: tuple[str, ...] = Field(
        default=_word_list("overall ultimately conclusion conclude therefore thus clearly balance"),
        min_length=1,
        description=(
            "First lemmas that open a conclusion. A sentence opening with one and carrying a single "
            "evaluation cue is already evaluation: 'Overall, the treaty was significant' is a judgement."
        ),
    )
    mark_connectives: tuple[str, ...] = Field(
        default=_word_list("since as while"),
        min_length=1,
        description=(
            "Connectives that argue only as subordinating conjunctions (dependency 'mark'): 'since it "
            "feared invasion' gives a reason, 'since 1918' gives a date."
        ),
    )
    verb_connectives: tuple[str, ...] = Field(
        default=_word_list("lead cause force drive push help mean gain lose secure damage"),
        min_length=1,
        description=(
            "Causal lemmas that count only as verbs: 'this led to' links a cause, 'the lead', 'the "
            "cause' or 'a gain' names something without explaining."
        ),
    )
    conclusion_openers: tuple[str, ...] = Field(
        default=_phrase_list(
            "overall, ultimately, in conclusion, to conclude, on balance, in summary, in short,"
            " therefore, thus, clearly, to sum up, all in all, on the whole, in the end,"
            " taken together, all things, taking everything"
        ),
        min_length=1,
        description=(
            "How a conclusion opens, matched on the first two lower-cased words of a sentence. A claim "
            "opening like this counts as part of the conclusion even without an evaluation word."
        ),
    )
    conclusion_first_words: tuple[str, ...] = Field(
        default=_word_list("so hence"),
        min_length=1,
        description=(
            "Single first words that also open a conclusion ('So the view is only partly valid'). "
            "Whole words only, so that 'Soviet troops left' is not one."
        ),
    )


# --------------------------------------------------------------------------- concept matching (read by the spaCy component)


class ConceptsTuning(_Section):
    """How loosely the ``marker_concepts`` component matches names and cue phrases."""

    loose_gap: int = Field(
        default=3,
        ge=0,
        le=10,
        description=(
            "Words allowed between two content words of a cue phrase ('ended Soviet isolation' for "
            "'end isolation'). Three catches an adjective or a short clause; more would join words from "
            "different ideas of one long sentence. Loose matches never cross punctuation and do not "
            "count towards keyword salad."
        ),
    )
    fuzzy_cutoff: float = Field(
        default=85.0,
        ge=50.0,
        le=100.0,
        description=(
            "Least rapidfuzz ratio (0-100) for a misspelt proper name to match a known one: 85 accepts "
            "a dropped or doubled letter from five letters up ('Rapalo', 'Zinovev') and one changed "
            "letter from seven up, and refuses ordinary words that merely resemble a name. The first "
            "letter must agree as well."
        ),
    )
    fuzzy_min_letters: int = Field(
        default=5,
        ge=1,
        le=20,
        description=(
            "Shortest name (and shortest word of the answer) that fuzzy matching considers: in short "
            "words one letter changed is a different word, not a misspelling ('Kun' and 'Kin')."
        ),
    )


# --------------------------------------------------------------------------- features


class FeaturesTuning(_Section):
    """The answer-level measures placement reads."""


# --------------------------------------------------------------------------- guards


class GuardsTuning(_Section):
    """Advisories and the caps they put on gamed or unusual answers."""

    salad_min_concepts: int = Field(
        default=5,
        ge=1,
        le=50,
        description=(
            "Keyword salad needs at least this many distinct concepts named: fewer names cannot game "
            "the coverage of a levels scheme, and a short argued answer often names three or four."
        ),
    )
    salad_list_share: float = Field(
        default=0.4,
        ge=0.0,
        le=1.0,
        description=(
            "Share of sentences that are bare lists (no finite verb or subject) from which an answer "
            "naming many concepts is salad: when two sentences in five only list names, the names "
            "are not being used in an argument."
        ),
    )
    salad_keyword_share: float = Field(
        default=0.45,
        ge=0.0,
        le=1.0,
        description=(
            "Share of the answer's words that are concept names or cue phrases from which an answer is "
            "salad even in sentences ('X was important. Y was important.'). Raised from 0.4 to 0.45 "
            "when cue phrases began to count as keywords, so that model answers, dense in the mark "
            "scheme's wording, stay clear of it."
        ),
    )
    salad_max_analysis_share: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description=(
            "The keyword-share route to salad applies only while fewer than this share of sentences "
            "analyse: a dense answer that argues with its names is not salad."
        ),
    )
    short_answer_words: int = Field(
        default=25,
        ge=0,
        le=500,
        description=(
            "Coverage-marked answers shorter than this are never keyword salad, and longer ones only "
            "by the list route: a right short answer is dense in the model answer's nouns and often "
            "lists parts ('bulbs A and C, switch Z and the battery')."
        ),
    )
    not_english_min_words: int = Field(
        default=15,
        ge=1,
        le=500,
        description="Shortest answer judged for not being English: a few words give too few stopwords to tell.",
    )
    not_english_stopword_share: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description=(
            "English prose is roughly half stopwords; below a fifth the text is another language, "
            "garbled, or a bare list of names (which the salad check reports first)."
        ),
    )
    formulaic_min_sentences: int = Field(
        default=3,
        ge=2,
        le=50,
        description=(
            "Sentences must share one function-word skeleton this many times to count as a template: "
            "two alike happens in honest writing, three with only the names swapped is a pattern "
            "('X was significant because of Y.')."
        ),
    )
    formulaic_min_share: float = Field(
        default=0.3,
        ge=0.0,
        le=1.0,
        description=(
            "Templated sentences must also be at least this share of all sentences, so that a long "
            "essay with a few parallel sentences is not flagged."
        ),
    )
    formulaic_min_skeleton: int = Field(
        default=2,
        ge=1,
        le=20,
        description=(
            "Shortest skeleton (function words) compared: shorter skeletons are shared by chance by "
            "many ordinary sentences."
        ),
    )
    repeat_min_sentences: int = Field(
        default=2,
        ge=1,
        le=50,
        description="Repeated sentences from which repetition is reported whatever the answer's length.",
    )
    repeat_min_share: float = Field(
        default=0.15,
        ge=0.0,
        le=1.0,
        description=(
            "Share of repeated sentences from which a single repeat is reported: in a short answer "
            "one sentence said twice is a large part of it."
        ),
    )
    off_topic_min_words: int = Field(
        default=30,
        ge=1,
        le=1000,
        description=(
            "Shortest answer called off the question: a shorter one that credits nothing is simply "
            "thin, and the too-short advisory or its low mark already says so."
        ),
    )
    off_topic_max_partial: int = Field(
        default=1,
        ge=0,
        le=20,
        description=(
            "An answer crediting no point fully is off the question only with at most this many points "
            "partly credited: one stray partial match happens in answers to a neighbouring question."
        ),
    )
    copied_question_share: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description=(
            "Share of the answer made of the question's own words from which it only restates the "
            "question (held at the lowest level or mark)."
        ),
    )
    copied_share: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description=(
            "Share of the answer copied word for word from the question or a model answer from which "
            "a teacher is told; copied sentences already earn nothing, so this is a warning only."
        ),
    )
    copied_cap_share: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description=(
            "Share copied from which the gaming cap applies as well: an answer mostly copied shows "
            "little of its own, whatever its remaining sentences earn."
        ),
    )
    padding_filler_share: float = Field(
        default=0.3,
        ge=0.0,
        le=1.0,
        description=(
            "Share of words in sentences naming nothing from the question from which the answer is "
            "called padded: a framing sentence or two stays below it, whole filler paragraphs do not."
        ),
    )
    padding_min_words: int = Field(
        default=80,
        ge=1,
        le=2000,
        description="Shortest answer called padded: in a short answer a framing sentence is a large share.",
    )
    short_essay_words: int = Field(
        default=120,
        ge=1,
        le=2000,
        description=(
            "Levels-marked essays shorter than this cannot show the developed, supported argument the "
            "higher levels reward (the bank's shortest exemplars, about 230 words, are twice as long)."
        ),
    )
    gaming_cap_level: int = Field(
        default=2,
        ge=1,
        le=10,
        description=(
            "Highest level for salad, templates and mostly copied answers: names dropped without use "
            "may show some knowledge (level 2) but never explanation."
        ),
    )
    gaming_cap_mark_share: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description=(
            "The same cap on a points or coverage question, as a share of the maximum mark (rounded "
            "down): half marks at most, as the golden tests require of short questions."
        ),
    )
    off_question_cap_level: int = Field(
        default=1,
        ge=1,
        le=10,
        description=(
            "Highest level for answers off the question, not in English or only restating the "
            "question (on other questions: a mark of 0). They address nothing the levels describe."
        ),
    )
    coverage_exempt: tuple[str, ...] = Field(
        default=_word_list("copied copied-question off-topic"),
        min_length=1,
        description=(
            "Advisories not given on coverage-marked (short-answer) questions: a right one-sentence "
            "answer says what the model answer says, often in the question's words, and its mark "
            "already is its match with the model answer."
        ),
    )
    quote_chars: int = Field(
        default=80,
        ge=10,
        le=500,
        description="Longest quotation of a sentence in an advisory's message (display only; no mark depends on it).",
    )
    drift_terms_shown: int = Field(
        default=4,
        ge=1,
        le=20,
        description="How many of the question's focus terms the drift message lists (display only).",
    )


# --------------------------------------------------------------------------- placement


class PlacementTuning(_Section):
    """The levels ladder, points thresholds and coverage scaling."""


# --------------------------------------------------------------------------- fact check


class FactsTuning(_Section):
    """When a date in an answer is flagged against the knowledge base."""

    dated_kinds: tuple[str, ...] = Field(
        default=_word_list("event treaty"),
        min_length=1,
        description=(
            "Kinds of concept that have *a* date a year written beside them must fit. A person or a "
            "country has many dated facts ('Lenin in 1919' says nothing about his death), so dates "
            "beside them are never called wrong."
        ),
    )
    period_slack_years: int = Field(
        default=1,
        ge=0,
        le=20,
        description=(
            "Years either side of the question's period still treated as inside it, by the fact check "
            "and by the structure's out-of-period paragraphs: a year just before or after the period "
            "is usually its cause or first consequence, or a boundary year misremembered by one, not "
            "evidence from another period."
        ),
    )


# --------------------------------------------------------------------------- feedback


class FeedbackTuning(_Section):
    """How many next steps, quotes and examples the feedback gives."""


class Tuning(_Section):
    """All sections together."""

    evidence: EvidenceTuning = Field(default_factory=EvidenceTuning)
    points: PointsTuning = Field(default_factory=PointsTuning)
    structure: StructureTuning = Field(default_factory=StructureTuning)
    roles: RolesTuning = Field(default_factory=RolesTuning)
    concepts: ConceptsTuning = Field(default_factory=ConceptsTuning)
    features: FeaturesTuning = Field(default_factory=FeaturesTuning)
    guards: GuardsTuning = Field(default_factory=GuardsTuning)
    placement: PlacementTuning = Field(default_factory=PlacementTuning)
    facts: FactsTuning = Field(default_factory=FactsTuning)
    feedback: FeedbackTuning = Field(default_factory=FeedbackTuning)


#: The values in force (validated when this module is imported).
TUNING = Tuning()
