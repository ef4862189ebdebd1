"""Every tuning number and word list of the marking engine, in one validated, documented place.

Each value is a pydantic field with bounds (so a slip such as a share of 6 instead of 0.6
fails at import) and a description saying why it has its value: which data it was chosen
on, or what it guards against. The stages read them from :data:`TUNING`; nothing in a stage
hides a bare number that changes a mark.

Sections follow the stages of marking (see ``marker/engine.py``): evidence, points,
structure, features, guards, placement, feedback, and the fact check.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: A share of something, 0..1.
Share = Annotated[float, Field(ge=0, le=1)]
#: A count of sentences or details.
Count = Annotated[int, Field(ge=0, le=500)]
#: The rungs of judgement, lowest first (see marker.features.JUDGEMENT_ORDER).
Judgement = Literal["none", "stated", "supported", "substantiated"]

#: Essay words that any answer to any question may use (data table for EvidenceTuning.generic_terms).
GENERIC_TERMS = frozenset(
    """
important importance significant significance reason reasons factor factors question answer evidence
historian historians argue argument view conclusion overall show shows mean means way ways time long
lot many different consider considered matter mattered change changed result results cause caused
effect effects impact impacts main key major minor great greater greatest policy period year years
event events thing things point points extent far whole clear clearly also however although
therefore thus new old good bad first second third look reach need take make give come see know
think seem use try begin keep hold find put get say tell call work bring happen provide include
continue understand discuss discussed carefully careful deal part fact case
""".split()  # noqa: SIM905 (one word a line would be a 110-line table)
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- evidence


class EvidenceTuning(_Section):
    """How the evidence stage reads an answer (copied text, filler, model-answer match)."""

    # -- sentences and lists (evidence.extract)
    short_line_tokens: int = Field(
        8,
        ge=1,
        le=40,
        description="A line break after a line shorter than this many tokens ends a sentence (a heading or "
        "a list item); a longer line broken mid-sentence is a hard wrap. Set on pasted answers with hard "
        "wraps when line breaks began to end sentences (commit cc3b88c).",
    )
    list_concept_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="A sentence whose words are at least this share names of concepts, with commas, is a "
        "list of names (keyword salad), not a claim. Set on the salad forms of the golden tests.",
    )
    list_min_commas: int = Field(
        2, ge=1, le=20, description="Commas (or semicolons) a name-heavy sentence needs to count as a list."
    )
    fragment_commas: int = Field(
        4,
        ge=1,
        le=20,
        description="With this many commas, a sentence of short pieces is fragments strung together "
        "('isolation, trade deals, military cooperation, ...'); golden salad tests.",
    )
    fragment_words_per_piece: float = Field(
        4.0,
        ge=1,
        le=20,
        description="Fewer words than this per comma-separated piece makes a comma-heavy sentence a list.",
    )
    fragment_max_words: int = Field(
        6,
        ge=1,
        le=30,
        description="A sentence of fewer words than this with no subject is a fragment ('trade deals'), "
        "not a claim; one-per-line salad in the golden tests.",
    )
    repeat_min_words: int = Field(
        4,
        ge=1,
        le=30,
        description="A sentence of at least this many words said again is a repeat and earns nothing "
        "(shorter ones, 'This mattered.', recur honestly). Padding test of the validation set.",
    )
    figure_labels: frozenset[str] = Field(
        frozenset({"CARDINAL", "PERCENT", "QUANTITY", "MONEY"}),
        description="spaCy entity labels that are figures (troop numbers, percentages) when they hold a "
        "digit and are not a date: precise evidence for the precision feature.",
    )
    date_reach_after: int = Field(
        2,
        ge=0,
        le=10,
        description="A date this many words after a concept ('Rapallo in 1923') is said of it; one before "
        "it must touch it. Set with the fact check, to flag slips without false flags (commit d563548).",
    )
    date_head_climb: int = Field(
        3,
        ge=1,
        le=10,
        description="Parse heads climbed from a date (through prepositions) to find the word it modifies "
        "('Rapallo, signed in 1923,'); further reaches a neighbouring clause's event. Since the first "
        "engine (475ae30); the fact-check figures of the validation set were measured with it.",
    )
    # -- copied text and filler (evidence.against_question)
    copy_run: int = Field(
        8,
        ge=3,
        le=30,
        description="Copied text is found as shared runs of this many words with a model answer: long "
        "enough that stock phrases of the period rarely match (commit 05f615c).",
    )
    copied_share: float = Field(
        0.6,
        ge=0,
        le=1,
        description="A sentence with at least this share of its words inside copied runs is copied...",
    )
    copy_min_words: int = Field(
        12,
        ge=1,
        le=100,
        description="...when that is at least this many words: a stock phrase shared with a model answer "
        "('a limited impact on the outcome of the Civil War') is not copying. Raised to stop false copied "
        "flags on the validation set (commit d563548).",
    )
    question_run: int = Field(
        6,
        ge=3,
        le=30,
        description="Runs of this many words of the question: an answer made of them only repeats it "
        "(the copied-question advisory). Shorter runs than copy_run, since questions are short.",
    )
    filler_min_scheme_terms: int = Field(
        2,
        ge=1,
        le=20,
        description="A sentence naming no concept, cue or date and using fewer than this many content "
        "words of the mark scheme or question is filler and earns nothing (padding test, commit 05f615c).",
    )
    scheme_term_min_letters: int = Field(
        3,
        ge=1,
        le=10,
        description="Shorter lemmas ('war' aside, 'go', 'do') never tie a sentence to the question.",
    )
    generic_terms: frozenset[str] = Field(
        GENERIC_TERMS,
        description="Essay words any answer to any question uses: they do not tie a sentence to this "
        "question, so padded filler ('the reasons were important') never counts as content (commit d563548).",
    )
    # -- the model-answer match (similarity.ModelAnswerSet.match): all chosen on the *training* half
    # of SemEval-2013 Task 7, never its test sets (benchmarks/semeval.py, commit 41bffec).
    stem: int = Field(
        6,
        ge=3,
        le=20,
        description="Content lemmas are cut to this many letters so 'connected'/'connection' meet "
        "(SemEval training); point wordings use the same cut.",
    )
    recall_power: float = Field(
        0.85,
        gt=0,
        le=1,
        description="Recall of a model answer's words is divided by len ** this, so a long model answer "
        "does not demand every word (grid search on SemEval training).",
    )
    negation_penalty: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Recall is multiplied by this when one of answer and model answer is negated and the "
        "other is not (SemEval training).",
    )
    w_recall: float = Field(
        0.8, ge=0, le=1, description="Weight of word recall in the match score (SemEval training)."
    )
    w_chars: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Weight of character n-gram similarity in the match score (SemEval training).",
    )
    w_clause: float = Field(
        0.4,
        ge=0,
        le=1,
        description="Weight of the best clause's recall above overall recall (SemEval training).",
    )
    full_at: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Match score that earns full marks with one model answer (SemEval training).",
    )
    full_at_per_log_alternative: float = Field(
        0.05,
        ge=0,
        le=0.5,
        description="Added to full_at per ln(number of model answers): more alternatives make a chance "
        "match likelier (SemEval training).",
    )
    clause_min_words: int = Field(
        3, ge=1, le=20, description="A model answer's clause needs this many words to be compared on its own."
    )
    char_ngrams: tuple[int, int] = Field(
        (3, 5), description="Character n-gram lengths for spellings the lemmatiser misses (SemEval training)."
    )
    negations: frozenset[str] = Field(
        frozenset({"not", "no", "n't", "never", "nothing", "none", "neither", "nor", "cannot"}),
        description="Words that negate a short answer ('are not connected').",
    )
    kept_stop_words: frozenset[str] = Field(
        frozenset(
            {"same", "off", "on", "one", "all", "both", "more", "less", "up", "down", "out", "in", "open"}
            | {"closed", "first", "last", "before", "after"}
        ),
        description="Stop words that carry the meaning of a short answer ('the same state', 'switched "
        "off'); kept as content words. Chosen on SemEval training answers.",
    )
    clause_breaks: frozenset[str] = Field(
        frozenset({";", "so", "because", "therefore", "whereas"}),
        description="Words that join two clauses: a model answer's clauses are split there.",
    )

    @model_validator(mode="after")
    def _ngrams_ordered(self) -> EvidenceTuning:
        low, high = self.char_ngrams
        if not 1 <= low <= high <= 10:
            raise ValueError("char_ngrams must be (low, high) with 1 <= low <= high <= 10")
        return self


# --------------------------------------------------------------------------- points


class PointsTuning(_Section):
    """When a mark-scheme point counts as credited or partly credited.

    A sentence's strength for a point adds up the weights below (capped at 1). They were set by
    hand in the first engine (commit 475ae30) and kept through the tuning of the levels ladder on
    the shipped bank's exemplars and the validation set, whose figures were measured with them.
    """

    credit_at: float = Field(
        0.6,
        ge=0,
        le=1,
        description="A point is credited from this strength: one cue phrase and a concept of the point, "
        "or a cue phrase with close wording (shipped bank's exemplars, golden tests).",
    )
    partial_at: float = Field(
        0.3,
        ge=0,
        le=1,
        description="A point is partly covered from this strength: a concept in a claim, or a cue phrase "
        "in a list (a name in a list earns half).",
    )
    cue: float = Field(0.5, ge=0, le=1, description="Strength of using one of the point's cue phrases.")
    second_cue: float = Field(0.15, ge=0, le=1, description="Added for a second, different cue phrase.")
    concept: float = Field(0.2, ge=0, le=1, description="Added for naming one of the point's concepts.")
    second_concept: float = Field(0.1, ge=0, le=1, description="Added for a second concept of the point.")
    similarity_cap: float = Field(
        0.35,
        ge=0,
        le=1,
        description="TF-IDF similarity to the point adds at most this: close wording alone earns a "
        "partial, never a credit, so paraphrase without the point's substance is not enough.",
    )
    unclaimed_factor: float = Field(
        0.5,
        ge=0,
        le=1,
        description="A sentence that claims nothing (a list, a fragment) earns this share: named but "
        "not used (keyword-salad golden tests).",
    )
    quotes_per_point: int = Field(2, ge=1, le=10, description="Sentences quoted as the evidence of a point.")

    @model_validator(mode="after")
    def _partial_below_credit(self) -> PointsTuning:
        if self.partial_at > self.credit_at:
            raise ValueError("partial_at must not exceed credit_at")
        return self


# --------------------------------------------------------------------------- structure


class StructureTuning(_Section):
    """Thesis, conclusion, drift and period checks."""


# --------------------------------------------------------------------------- features


class FeaturesTuning(_Section):
    """The answer-level measures placement reads."""

    partial_credit: float = Field(
        0.5,
        ge=0,
        le=1,
        description="A partly covered point counts this much in weighted points and coverage (a name "
        "in a list earns half; first engine, kept through the ladder tuning).",
    )
    min_sentence_words: int = Field(
        4,
        ge=1,
        le=30,
        description="Sentences shorter than this are not substantive: they do not count towards the "
        "analysis share or quote a criterion (short linking sentences would inflate it).",
    )
    max_figures: int = Field(
        3,
        ge=0,
        le=50,
        description="Figures (troop numbers, percentages) count towards precision up to this many, so a "
        "string of numbers cannot buy the precision criterion (fc20045, ladder tuning).",
    )
    specific_kinds: frozenset[str] = Field(
        frozenset({"person", "place", "organisation", "group", "event", "treaty"}),
        description="Kinds of concept that count as specific evidence (a name, not a general idea).",
    )
    closing_sentences: int = Field(
        2,
        ge=1,
        le=10,
        description="In a one-paragraph answer, the last this many argued sentences are its conclusion.",
    )
    late_opener_share: float = Field(
        0.6,
        ge=0,
        le=1,
        description="A sentence opened as a conclusion ('Overall, ...') after this share of the answer "
        "also counts as a judgement, though not in the last paragraph (validation set, 05f615c).",
    )
    supported_min_reasons: int = Field(
        2,
        ge=1,
        le=10,
        description="Analytic sentences naming events or dates a conclusion needs to be 'supported'.",
    )
    substantiated_min_analytic: int = Field(
        2, ge=1, le=10, description="Analytic sentences a 'substantiated' conclusion needs (fc20045)."
    )
    substantiated_min_items: int = Field(
        3,
        ge=1,
        le=20,
        description="Distinct pieces of evidence (concepts, years) a 'substantiated' conclusion weighs: "
        "set so that the shipped level 5 exemplars reach it and level 4 ones mostly not (fc20045).",
    )
    substantiated_min_words: int = Field(
        50, ge=1, le=500, description="Words of a developed, 'substantiated' conclusion (fc20045)."
    )
    estimate_neighbours: int = Field(
        2,
        ge=1,
        le=10,
        description="The model-answer mark estimate averages the marks of this many closest model "
        "answers, weighted by similarity (a nudge within the band only).",
    )


# --------------------------------------------------------------------------- guards


class GuardsTuning(_Section):
    """Advisories and the caps they put on gamed or unusual answers."""


# --------------------------------------------------------------------------- placement


class PlacementTuning(_Section):
    """The levels ladder, points thresholds and coverage scaling.

    The ladder tables give what each rung of a five-level, 25-mark scheme needs by default,
    lowest first; other schemes are read off the same curve by the level's position and scaled by
    their maximum mark. Tuned so that every shipped essay exemplar lands within one level of its
    intended level (commit fc20045), then re-tuned on the validation set (commit 05f615c; its
    figures are therefore in-sample). A rubric may override any criterion per level.
    """

    ladder_point_share: tuple[Share, Share, Share, Share, Share] = Field(
        (0.04, 0.2, 0.35, 0.6, 0.7), description="Weighted points covered, as a share of the scheme's points."
    )
    ladder_analysis: tuple[Share, Share, Share, Share, Share] = Field(
        (0.0, 0.1, 0.25, 0.35, 0.38), description="Share of substantive sentences that analyse or evaluate."
    )
    ladder_balance: tuple[bool, bool, bool, bool, bool] = Field(
        (False, False, False, True, True), description="Whether the rung needs a counter-argument."
    )
    ladder_judgement: tuple[Judgement, Judgement, Judgement, Judgement, Judgement] = Field(
        ("none", "none", "none", "stated", "substantiated"), description="The judgement a rung needs."
    )
    ladder_precision: tuple[Count, Count, Count, Count, Count] = Field(
        (0, 2, 6, 15, 26), description="Specific details (names, dates, figures) at 25 marks."
    )
    ladder_developed: tuple[Count, Count, Count, Count, Count] = Field(
        (0, 2, 6, 11, 13), description="Distinct analytic sentences at 25 marks."
    )
    reference_max_mark: int = Field(
        25,
        ge=1,
        le=200,
        description="The maximum mark the precision and development counts are written for; smaller "
        "schemes scale them down (the shipped essays are out of 25).",
    )
    nearly_share: float = Field(
        0.75,
        ge=0,
        le=1,
        description="A numeric criterion is 'nearly' met from this share of what it needs (best fit; "
        "first engine, kept through the ladder tuning).",
    )
    max_nearly: int = Field(
        1, ge=0, le=10, description="Criteria a level may only nearly meet and still be reached (best fit)."
    )
    key_criteria: frozenset[str] = Field(
        frozenset({"judgement", "balance"}),
        description="Criteria best fit cannot waive: judgement and balance separate the top levels "
        "(fc20045).",
    )
    band_floor: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Position in the band (0 bottom, 1 top) of an answer meeting none of the next level...",
    )
    band_span: float = Field(
        0.6,
        ge=0,
        le=1,
        description="...rising by this much as it meets all of the next level's criteria (validation set).",
    )
    nearly_credit: float = Field(
        0.5,
        ge=0,
        le=1,
        description="A 'nearly' met criterion of the next level counts this much of a met one.",
    )
    top_floor: float = Field(
        0.4,
        ge=0,
        le=1,
        description="Position in the top band of an answer that just meets it, rising with its margins:",
    )
    top_span: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Rise of the top-band position per unit of mean margin over the criteria.",
    )
    top_margin_cap: float = Field(
        2.0, ge=1, le=10, description="A criterion's margin (actual / required) counts up to this."
    )
    nearly_penalty: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Drop in band position when the level reached is only nearly met on a criterion.",
    )
    estimate_pull: float = Field(
        0.1,
        ge=0,
        le=1,
        description="The model-answer mark estimate moves the band position by at most this much, so "
        "similarity never decides a level (shipped exemplars, validation set).",
    )
    estimate_slope: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Pull per band-width of difference between the estimate and the band's middle.",
    )
    bottom_below: float = Field(
        0.34, ge=0, le=1, description="Below this position the summary says 'bottom'."
    )
    middle_below: float = Field(
        0.67, ge=0, le=1, description="Below this position the summary says 'middle'."
    )
    held_position: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Position in the band of an answer held below the level it reached by an advisory: "
        "the middle, since what it met of the next level no longer says where it sits.",
    )
    quotes_per_criterion: int = Field(2, ge=1, le=10, description="Sentences quoted for a ladder criterion.")
    coverage_words_shown: int = Field(
        6, ge=1, le=50, description="Words said and lacking that a coverage summary names."
    )

    @model_validator(mode="after")
    def _ladder_rises(self) -> PlacementTuning:
        for name in ("ladder_point_share", "ladder_analysis", "ladder_precision", "ladder_developed"):
            values = getattr(self, name)
            if list(values) != sorted(values):
                raise ValueError(f"{name} must not fall from one level to the next")
        if self.bottom_below > self.middle_below:
            raise ValueError("bottom_below must not exceed middle_below")
        return self


# --------------------------------------------------------------------------- fact check


class FactsTuning(_Section):
    """When a date in an answer is flagged against the knowledge base."""


# --------------------------------------------------------------------------- feedback


class FeedbackTuning(_Section):
    """How many next steps, quotes and examples the feedback gives."""

    max_steps: int = Field(
        4, ge=1, le=10, description="At most this many next steps: more is a list a student does not act on."
    )
    min_steps: int = Field(
        2, ge=0, le=10, description="At least this many next steps (generic ones fill in)."
    )
    partial_steps_until: int = Field(
        2,
        ge=0,
        le=10,
        description="A partly covered point becomes a step only while there are fewer steps than this: "
        "missing points come first.",
    )


class Tuning(_Section):
    """All sections together."""

    evidence: EvidenceTuning = Field(default_factory=EvidenceTuning)
    points: PointsTuning = Field(default_factory=PointsTuning)
    structure: StructureTuning = Field(default_factory=StructureTuning)
    features: FeaturesTuning = Field(default_factory=FeaturesTuning)
    guards: GuardsTuning = Field(default_factory=GuardsTuning)
    placement: PlacementTuning = Field(default_factory=PlacementTuning)
    facts: FactsTuning = Field(default_factory=FactsTuning)
    feedback: FeedbackTuning = Field(default_factory=FeedbackTuning)


#: The values in force (validated when this module is imported).
TUNING = Tuning()
