"""Tuning of the guards stage: advisories and the caps they put on gamed or unusual answers."""

from __future__ import annotations

from pydantic import Field

from .base import _Section, _word_list


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
    salad_listed_name_share: float = Field(
        default=0.67,
        ge=0.0,
        le=1.0,
        description=(
            "Lists are salad only when at least this share of their words are names (concepts or cue "
            "phrases): a list of bare names is (history salads: 0.82 and up), notes whose listed lines "
            "say something about the names are not ('- no flow control', '+ simple, but wastes "
            "addresses': 0.1 to 0.6 in short technical answers)."
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
    salad_min_sentences: int = Field(
        default=3,
        ge=1,
        le=50,
        description=(
            "The keyword-share route to salad ('X was important. Y was important.') needs at least "
            "this many sentences: names filling empty frames is a pattern over sentences, while a one- "
            "or two-sentence answer to a short question is dense in names by nature ('TCP headers "
            "have a sequence number, an acknowledgement number and a window')."
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
            "English prose is roughly half stopwords; below a fifth the text may be another language, "
            "garbled, or notes and lists (which the English words share tells apart)."
        ),
    )
    not_english_word_share: float = Field(
        default=0.7,
        ge=0.0,
        le=1.0,
        description=(
            "A text poor in stopwords is not English only if fewer than this share of its words are "
            "English (stopwords, or content words whose lemma is in the English model's lexicon; "
            "acronyms left out): terse English notes full of technical terms score 0.9 and up, "
            "German or French answers and keyboard gibberish 0.5 and below."
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
