"""Tuning of the evidence stage: how the evidence stage reads an answer: copied text, filler, the model-answer match."""

from __future__ import annotations

from pydantic import Field, model_validator

from .base import _phrase_list, _Section, _word_list

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
    list_max_clauses: int = Field(
        1,
        ge=1,
        le=20,
        description="In an essay, a name-heavy sentence that explains (a connective gives it an analytic role) "
        "is a list only when at most this many of its main clauses have their own subject and finite verb: "
        "'The breakthrough with the West had really come with the Anglo-Soviet Trade Agreement in 1921, and "
        "British recognition in 1924 was due to the Labour government, not Rapallo.' argues two things and "
        "its names are their evidence (stop 35: pupils' tuning rp-analytical-paras level 3 -> 4, teacher 4; "
        "no validation essay's mark moved). Keyword salad strings its names in one clause.",
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
    near_repeat_ratio: float = Field(
        85.0,
        ge=50,
        le=100,
        description="A sentence whose lower-cased words have at least this rapidfuzz ratio (0-100) with an "
        "earlier sentence's is a near-duplicate ('Again, X.', a word added or changed) and counts once, "
        "like a word-for-word repeat (examiner objection, issue 11). Over the validation set and the "
        "shipped model answers no two distinct sentences reach 84 (the closest, a thesis restating the "
        "question, 83.2), while 'Again,'/'Clearly,'/'So' or one inserted word before a sentence of the "
        "validation set stays above 86 for 99% of them, and 'This shows that' above 85 for 89%.",
    )
    repeat_openers: tuple[str, ...] = Field(
        _phrase_list(
            "again, also, so, and, but, clearly, overall, ultimately, in conclusion, to conclude, in summary,"
            " to sum up, in short, in other words, on balance, therefore, thus, this shows that, this means"
            " that, this is why, this proves that, as a result, because of this, furthermore, moreover,"
            " in addition, as i said, as mentioned"
        ),
        min_length=1,
        description="Opening words (lower case) left out when comparing a sentence with earlier ones: "
        "'This shows that X.' or 'In conclusion, X.' after 'X.' says X again (issue 11's repeated "
        "answers). Compared words only; the sentence itself is unchanged. A restated thesis with any new "
        "words in its conclusion stays below near_repeat_ratio.",
    )
    figure_words: frozenset[str] = Field(
        frozenset(_word_list("% percent hundred thousand million billion trillion m bn")),
        description="Words (lower case) that continue a figure written in digits: '2 million', '20%', "
        "'£6 bn' are one figure each, as spaCy's entity recogniser counted them (CARDINAL, PERCENT, "
        "MONEY, QUANTITY), which marking no longer runs (marker/figures.py).",
    )
    figure_not_after: frozenset[str] = Field(
        frozenset(
            _word_list("article articles clause clauses section point points chapter paragraph page line")
        ),
        description="A number after one of these words (lower case) names a part of a text ('Article 116 of "
        "the Versailles Treaty'), which the entity recogniser called a LAW, not a figure.",
    )
    figure_not_before: frozenset[str] = Field(
        frozenset(
            _word_list(
                "year years month months week weeks day days decade decades century centuries hour "
                "hours minute minutes am pm a.m. p.m. o'clock"
            )
        ),
        description="A number before one of these words (lower case) is a span of time or a time of day "
        "('18 months', '3 years later'), which the entity recogniser called DATE or TIME, not a figure: "
        "it is not a troop number or a sum, and the precision feature never counted it.",
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
