"""Tuning of the placement stage: the levels ladder, points thresholds and coverage scaling."""

from __future__ import annotations

from pydantic import Field, model_validator

from .base import Count, Judgement, Share, _Section, _word_list


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
        ("none", "none", "none", "stated", "substantiated"),
        description=(
            "The judgement a rung needs: none below level 4, as the descriptors ask a judgement "
            "only from level 4 and a substantiated one at level 5."
        ),
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
    off_question_position: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Position in the lowest band of an answer an advisory holds there (off the question, "
        "not in English, the question restated): it addresses nothing the levels describe, so the "
        "names it gives (the Cold War's, for an essay on 1918-1924) do not lift it within the band "
        "(stop 34: tuning half er-cold-war, teacher 0 marks, 3 -> 1; validation marks MAE 2.47 -> 2.46).",
    )
    descriptor_judging: tuple[str, ...] = Field(
        _word_list(
            "judg conclu verdict agree weigh balanc counter argu assess evaluat extent how.far other.factor"
        ),
        min_length=1,
        description="Word stems (a dot for a space) of a level descriptor that asks for a judgement or a "
        "weighing of sides. A scheme none of whose descriptors says one of them (an account of events, an "
        "'explain why') asks no judgement and no balance at any level.",
    )
    descriptor_explaining: tuple[str, ...] = Field(
        _word_list("explain explanat analys analyt evaluat comment argu assess reason weigh judg"),
        min_length=1,
        description="Word stems of a level descriptor that asks for explanation: a level asks the ladder's "
        "analysis and development only from the first level whose descriptor says one of them (an "
        "account's lower levels ask for events told with knowledge). A scheme whose descriptors say none "
        "of these nor of descriptor_judging ('Level 1.') keeps every default.",
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
