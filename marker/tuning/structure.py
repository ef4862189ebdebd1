"""Tuning of the structure stage: the argument's structure, what each sentence does, and how concepts are matched."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import ADVISORY_ONLY, _lemma_seqs, _phrase_list, _Section, _word_list


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
        json_schema_extra=ADVISORY_ONLY,
        default=_word_list(
            "significant decisive crucial major vital main largely successful key considerable"
            " fundamental greatest primarily mainly breakthrough success"
        ),
        min_length=1,
        description=(
            "Words that lean a judgement towards 'it mattered a great deal'. With limiting_words they "
            "give a stance, so that a thesis calling a factor decisive and a conclusion calling it "
            "secondary are flagged as inconsistent."
        ),
    )
    limiting_words: tuple[str, ...] = Field(
        json_schema_extra=ADVISORY_ONLY,
        default=_word_list(
            "limited minor secondary partly little marginal unsuccessful exaggerated overstated"
            " failed partial modest"
        ),
        min_length=1,
        description="Words that lean a judgement towards 'it mattered little' (the other side of positive_words).",
    )
    negators: tuple[str, ...] = Field(
        json_schema_extra=ADVISORY_ONLY,
        default=_word_list("not no never hardly nor n't less"),
        min_length=1,
        description=(
            "Words that turn a judgement word round ('not the main reason', 'much less successful' "
            "lean to limited), so a negated judgement is not read as its opposite."
        ),
    )
    negation_window: int = Field(
        json_schema_extra=ADVISORY_ONLY,
        default=3,
        ge=1,
        le=10,
        description=(
            "How many words before a judgement word a negator may stand and still turn it round: "
            "enough for 'not the main' and 'was not in fact decisive', short enough that a 'not' in "
            "an earlier clause does not reach it."
        ),
    )
    contrast_words: tuple[str, ...] = Field(
        default=_word_list("but yet however although though whereas"),
        min_length=1,
        json_schema_extra=ADVISORY_ONLY,
        description=(
            "Words that set one side of a judgement against the other. A sentence with a judgement "
            "word on one side of them and a judgement word or a negator on the other ('significant "
            "in prolonging the war, but not in deciding it') weighs both sides, so it gives no one "
            "stance to its end of the essay (the inconsistent-judgement advisory only)."
        ),
    )
    answering_openers: tuple[str, ...] = Field(
        default=_word_list("but however yet"),
        min_length=1,
        json_schema_extra=ADVISORY_ONLY,
        description=(
            "Words that open a sentence answering the one before it ('It was a real turning point. "
            "But it was less decisive than it seems.'). Such a sentence, after another of the same "
            "introduction or conclusion, weighs both sides, so it gives no one stance to its end of "
            "the essay (the inconsistent-judgement advisory only)."
        ),
    )
    hedge_phrases: tuple[str, ...] = Field(
        default=_phrase_list(
            "partly, partially, in part, to some extent, to an extent, to a certain extent,"
            " up to a point, to a degree, in a narrow sense, in the narrow sense, qualified success"
        ),
        min_length=1,
        json_schema_extra=ADVISORY_ONLY,
        description=(
            "Phrases of a qualified verdict ('the view is only partly valid', 'convincing up to a "
            "point'). A sentence holding one weighs both sides, so it gives no one stance to its end "
            "of the essay. Of the 120 validation essays, 4 were told their conclusion contradicted "
            "their introduction only because 'partly valid' read as 'limited' (the advisory only)."
        ),
    )
    too_window: int = Field(
        default=6,
        ge=2,
        le=12,
        json_schema_extra=ADVISORY_ONLY,
        description=(
            "How many words before a judgement word 'too ... to' may start and still turn it round: "
            "'too divided to have a decisive impact' leans to limited (the advisory only)."
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
    conclusion_markers: tuple[str, ...] = Field(
        default=_phrase_list(
            "in conclusion, to conclude, overall, in summary, to sum up, to summarise, on balance,"
            " all in all, on the whole, taken together, taking everything"
        ),
        min_length=1,
        description=(
            "How an essay's conclusion is opened as a whole, matched on the first two lower-cased words "
            "of a sentence late in the answer (``TUNING.features.late_opener_share``). From such a "
            "sentence to the end is the conclusion however the pupil paragraphed it: the same words "
            "unparagraphed, or with the conclusion cut into short paragraphs, keep the same conclusion. "
            "Narrower than ``roles.conclusion_openers``: 'therefore', 'thus', 'clearly' and 'in the end' "
            "also open sentences inside the body."
        ),
    )
    summing_up_verbs: tuple[str, ...] = Field(
        default=_word_list("balancing weighing looking considering taking given having bearing judging"),
        min_length=1,
        description=(
            "First words (lower case) of an opening clause that weighs the whole argument ('Balancing "
            "these points, ...', 'Looking at all this, ...'). With one of summing_up_references in the "
            "same clause, before its comma, the sentence opens an essay's conclusion as "
            "conclusion_markers do: a conclusion opened so was found only as a last paragraph."
        ),
    )
    summing_up_references: tuple[str, ...] = Field(
        default=_word_list("this these that those everything all both"),
        min_length=1,
        description=(
            "Words of an opening clause that refer back to the argument as a whole ('these points', "
            "'all this', 'everything', 'both sides'): see summing_up_verbs. 'Looking at the treaty, ...' "
            "has none and opens nothing."
        ),
    )
    summing_up_clause_words: int = Field(
        default=6,
        ge=2,
        le=20,
        description=(
            "Longest opening clause (words before the first comma) read as summing up: 'Taking all of "
            "this into account,' is six; a longer one is a sentence of the argument, not its close."
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
    explaining_marks: tuple[str, ...] = Field(
        default=(":",),
        min_length=1,
        description=(
            "Punctuation between a claim and a clause that explains or shows it ('Genoa showed the "
            "limits: the Soviets would not pay the debts ...'): with a finite verb on both sides the "
            "sentence explains, in essays (stop 33). Over the validation set, 22 of the 24 sentences "
            "so read (they had no other connective) are in exemplars and factual-slip essays of levels "
            "4-5, two in thin-analysis essays, none in the narratives."
        ),
    )
    absolute_openers: tuple[str, ...] = Field(
        default=("with",),
        min_length=1,
        description=(
            "Prepositions that open an absolute clause, a circumstance the main clause follows from "
            "('With each country guarding its own corner there was no joint command', 'With the armistice "
            "signed, the original purpose had gone'): with a verb of its own subject after it the sentence "
            "explains, in essays (marker.roles.essay_links, stop 35). Read so: two sentences of validation "
            "exemplars (no mark moved) and one of the pupils' tuning half (if-complex-paras level 2 -> 3, "
            "teacher 4); 'With this help Denikin was able to ...' names a means and stays as it was."
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
    inference_openers: tuple[str, ...] = Field(
        default=_word_list("therefore thus so hence consequently"),
        min_length=1,
        description=(
            "First words by which a sentence draws its claim from what was just argued. An essay's "
            "conclusion of one sentence opened so ('Therefore the intervention was a secondary factor: "
            "...') concludes from the paragraph before it, whose argued sentences its judgement weighs "
            "(marker.features.judgement_status, stop 33); 'Overall' or 'In conclusion' sums up the whole "
            "essay instead and weighs only its own words, as before."
        ),
    )
    claim_verbs: tuple[str, ...] = Field(
        default=_word_list(
            "matter decide depend owe count mean show prove suggest explain reveal demonstrate reflect"
            " cause lead result outweigh"
        ),
        min_length=1,
        description=(
            "Verbs that weigh or link rather than tell an event ('Rapallo mattered', 'the Whites' "
            "failures decided who won'): a clause headed by one is a claim, so a 'but' after it sets "
            "the claim against its limit (a counter-argument), not an event against what happened "
            "to it (essays: marker.roles.told_events)."
        ),
    )
    negative_words: tuple[str, ...] = Field(
        default=_word_list("no nothing none nobody neither nor never"),
        min_length=1,
        description=(
            "Words that deny, as 'not' does: 'Moscow protested loudly but did nothing practical' "
            "sets a claim against its limit (marker.roles.told_events)."
        ),
    )
    verdict_claims: tuple[str, ...] = Field(
        default=_word_list("view statement interpretation claim assertion assumption proposition"),
        min_length=1,
        description=(
            "Nouns by which an answer names the question's own claim, after one of verdict_determiners "
            "('the view', 'this statement'; not 'their claims'). With a verdict_words lemma a sentence "
            "gives a verdict on the question ('In conclusion, the view is valid.'): it names nothing of "
            "the history, so it stays filler for points and development, but in an essay it may state "
            "the conclusion's judgement (issue 11)."
        ),
    )
    verdict_determiners: tuple[str, ...] = Field(
        default=_word_list("the this that"),
        min_length=1,
        description="Words before one of verdict_claims that make it the question's claim ('my view' is the "
        "pupil's own, 'their claims' a demand for money).",
    )
    verdict_words: tuple[str, ...] = Field(
        default=_word_list(
            "valid invalid validity accurate inaccurate convincing unconvincing convince persuasive"
            " unpersuasive right wrong correct incorrect true untrue justified unjustified fair hold"
            " overstate exaggerate agree disagree accept reject"
        ),
        min_length=1,
        description=(
            "Lemmas that pass a verdict on a claim ('valid', 'convincing', 'holds', 'overstates'): "
            "said of one of verdict_claims they make a verdict sentence. Adjectives of extent alone "
            "('largely') are not enough: 'the view' must be judged true, right or valid, more or less."
        ),
    )
    agreement_words: tuple[str, ...] = Field(
        default=_word_list("agree disagree"),
        min_length=1,
        description=(
            "Lemmas of agreeing: with a first-person word (first_person_words) a sentence gives a verdict "
            "on the question's claim without naming it ('So I agree with the statement.', 'I disagree "
            "to a large extent.'); 'the Allies could not agree' is no verdict."
        ),
    )
    first_person_words: tuple[str, ...] = Field(
        default=_word_list("i we i'd i'm"),
        min_length=1,
        description="Words (lower case, as written) by which a pupil speaks for themself: see agreement_words.",
    )


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
