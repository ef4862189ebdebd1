"""Tuning of the features stage: the answer-level measures placement reads."""

from __future__ import annotations

from pydantic import Field

from .base import _Section


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
        description="Analytic sentences naming events or dates a conclusion needs to be 'supported', "
        "counted by length as development is in essays marked by levels (stop 24).",
    )
    substantiated_min_analytic: int = Field(
        2,
        ge=1,
        le=10,
        description="Analytic sentences a 'substantiated' conclusion needs (fc20045); in essays marked by "
        "levels counted by length as development is (one per development_unit_words words, stop 24), "
        "so a pupil's conclusion in one long sentence is not short-changed.",
    )
    substantiated_min_items: int = Field(
        3,
        ge=1,
        le=20,
        description="Distinct pieces of evidence (concepts, years) a 'substantiated' conclusion weighs: "
        "set so that the shipped level 5 exemplars reach it and level 4 ones mostly not (fc20045).",
    )
    development_unit_words: int = Field(
        20,
        ge=5,
        le=200,
        description="Development is counted in analytic sentences of this many words: a longer one "
        "(pupils' run-on sentences, no paragraphs) counts for as many units as it is long, up to "
        "development_cap, so explanation is measured by how much there is, not by full stops "
        "(issue 11). Chosen on the validation set and the tuning half of tests/pupils, never the "
        "held-out half: levels QWK 0.87 / pooled marks QWK 0.72 counting sentences, 0.88 / 0.80 at 30 "
        "words, 0.88 / 0.82 at 25, 0.88 / 0.84 at 20.",
    )
    development_cap: float = Field(
        3.0,
        ge=1,
        le=10,
        description="At most this many units for one sentence: a wall of text is not a developed essay.",
    )
    development_unargued_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="An analytic sentence that makes no point of the mark scheme counts this much of its "
        "units towards development: comment that explains nothing the question asks about is thinner "
        "development than an explained point (stop 27, issue 11 item 4). Chosen with "
        "development_evidence_weight on the validation set and the tuning half of tests/pupils only: "
        "(unargued, evidence) 1/0 (before): validation levels exact 0.60, QWK 0.89, tuning pooled exact "
        "0.58, QWK 0.84; 0/0.5: 0.64, 0.89, 0.52, 0.84; 0/0.75: 0.64, 0.90, 0.58, 0.85; 0.5/0.5: 0.625, "
        "0.89, 0.61, 0.85; 0.5/0.75: 0.59, 0.89, 0.61, 0.85; 0.5/1: 0.575, 0.87, 0.64, 0.84.",
    )
    development_evidence_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="A claim that makes a point of the mark scheme without a connective counts this much "
        "of its units towards development when it stands next to an analytic sentence of its paragraph "
        "(development_evidence_reach): the evidence that develops an argued point, as pupils write it "
        "('Genoa showed the limits: ...'). Narrative far from any explanation earns nothing here.",
    )
    development_evidence_reach: int = Field(
        1,
        ge=0,
        le=5,
        description="How many sentences before or after an analytic sentence, in its paragraph, a "
        "point-making claim may stand to count as its evidence (2 counted more narrative: validation "
        "exact 0.633 at weights 0/0.75, 0.642 at reach 1).",
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
