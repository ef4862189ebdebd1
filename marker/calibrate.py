"""Calibration: fitting the engine's marks to a teacher's own marking.

The engine marks from the rubric alone. A teacher who has marked a few scripts can fit a
calibrator per question: a scikit-learn estimator on the engine's own features (point credits,
similarity to the model answers, precision, the analysis features, the engine's mark), plus,
from :data:`TEXT_MIN` scripts, a bag-of-words model of the answers themselves (and, for 0/1
marks, a model of their meaning), each stacked in as one more feature (out-of-fold, so it cannot
leak; :mod:`marker.stacking`). It works from :data:`MIN_SCRIPTS` scripts (strongly regularised)
and loosens as scripts are added.

A fitted calibrator is saved with the question's rubric version, the fingerprint of the data
it was fitted on, the library versions and the fingerprint of marker's marking
(:mod:`marker.marking_version`). It is used only while the rubric and the marking are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, cross_val_predict

from . import neighbours as near_model
from . import stacking
from .atomic import write_atomically
from .calibrator import MarkCalibrator
from .errors import CalibrationError
from .feedback import ENGINE_VERSION, Feedback
from .fitted import load_defaults
from .marking_version import fingerprint
from .meaning import answer_vectors
from .pairs import PAIR_WEIGHT, pair_block
from .stacking import fit_meaning_model, fit_text_model, meaning_scores, text_scores

#: Fewest marked scripts a question's calibrator is fitted on.
MIN_SCRIPTS = 10
#: From this many scripts the answers' own words join the features.
TEXT_MIN = 30
#: 2: neighbours and the meaning estimate; 3: the memory's words; 4: the memory's zero-shot shares
#: (how this teacher marks beside the rubric) and the class weights; 5: a pooled calibrator may
#: compare each answer with its question's closest model answer in meaning; 6: a 0/1 question's
#: own calibrator from :data:`TEXT_MIN` scripts also stacks the answers' meaning
#: (:mod:`marker.stacking`) and the neighbours' whole mark; 7: it may also hold the stacker shared
#: by the teacher's 0/1 questions and its scripts' inputs of it; 8: a 0/1 question kept as neighbours
#: may hold the correction shared by such questions (:mod:`marker.neighbours`) and its scripts'
#: inputs of it; 9: such a question also holds its own shift of the corrected log-odds
#: (:func:`marker.neighbours.question_offset`) (formats 3-9: issue 11); 10: a short-answer own
#: calibrator out of more than 1 is ordinal, with a stacker shared by such questions (stop 34).
FORMAT_VERSION = 10
#: Older formats still read, each marking as when saved: format 8 has no shift of its own (read as
#: none), format 9's calibrator out of more than 1 is its ridge regression.
READABLE_FORMATS = (8, 9, FORMAT_VERSION)
JUDGEMENT_RANK = {"none": 0.0, "stated": 1 / 3, "supported": 2 / 3, "substantiated": 1.0}

FEATURE_NAMES = (
    "engine_share",
    "coverage",
    "credited_share",
    "partial_share",
    "similarity",
    "model_estimate_share",
    "analysis_share",
    "precision",
    "log_words",
    "judgement",
    "balance",
    "match_score",
    "match_recall",
    "clause_recall",
    "char_similarity",
    "negation_mismatch",
    "filler_share",
    "copied_share",
    "question_share",
    "meaning_estimate",
)


#: Features that mean the same on every question: a pooled calibrator (for questions with no
#: marked scripts of their own) uses only these.
POOLED_FEATURES = (
    "engine_share",
    "match_score",
    "match_recall",
    "clause_recall",
    "char_similarity",
    "negation_mismatch",
    "meaning_estimate",
)


def feature_row(fb: Feedback) -> list[float]:
    """The engine's numbers for one marked answer, each scaled to about 0..1."""
    f = fb.features
    if f is None:  # an empty answer
        return [0.0] * len(FEATURE_NAMES)
    n_points = max(len(fb.points), 1)
    return [
        fb.mark / fb.max_mark,
        f.coverage,
        f.points_credited / n_points,
        f.points_partial / n_points,
        f.similarity,
        (f.model_estimate or 0.0) / fb.max_mark,
        f.analysis_share,
        min(f.precision, 30) / 30,
        math.log1p(f.n_words) / 7,
        JUDGEMENT_RANK.get(f.judgement, 0.0),
        float(f.balance),
        f.match_score,
        f.match_recall,
        f.clause_recall,
        f.char_similarity,
        float(f.negation_mismatch),
        f.filler_share,
        f.copied_share,
        f.question_share,
        f.meaning_estimate if f.meaning_estimate is not None else fb.mark / fb.max_mark,
    ]


def feature_matrix(feedbacks: Sequence[Feedback], names: Sequence[str] = FEATURE_NAMES) -> np.ndarray:
    X = np.array([feature_row(fb) for fb in feedbacks], dtype=float).reshape(-1, len(FEATURE_NAMES))
    if tuple(names) == FEATURE_NAMES:
        return X
    return X[:, [FEATURE_NAMES.index(n) for n in names]]


def fingerprint_scripts(answers: Sequence[str], marks: Sequence[float]) -> str:
    blob = json.dumps([[a, float(m)] for a, m in zip(answers, marks, strict=True)], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


@dataclass
class Calibration:
    """A fitted calibrator of one question (or, with ``question_id`` ``"*<max>"``, of all
    questions out of ``max_mark``), with what it was fitted on."""

    question_id: str
    rubric_version: str
    max_mark: int
    n_scripts: int
    data_fingerprint: str
    #: None when the marks come from the neighbours model alone (fewer than ``TEXT_MIN`` scripts).
    model: MarkCalibrator | None
    text_model: object | None = None
    #: A 0/1 question's model of the mark from the answers' meaning vectors (:mod:`marker.stacking`).
    meaning_model: LogisticRegression | None = None
    feature_names: tuple[str, ...] = FEATURE_NAMES
    fitted_at: str = ""
    versions: dict = field(default_factory=dict)
    #: Cross-validated agreement on the fitting scripts (never the scripts later measured).
    cv: dict = field(default_factory=dict)
    #: A pooled calibrator's check: its and the rubric's agreement on the questions left out in turn.
    left_out: dict | None = None
    #: The marked scripts' meaning vectors (float16) and marks as shares of the maximum: a new
    #: answer is compared with them (:func:`marker.fitted.neighbour_inputs`). Short answers only.
    memory: np.ndarray | None = None
    memory_shares: np.ndarray | None = None
    #: The marked scripts' answers, whose words a new answer is compared with (short answers only).
    memory_texts: tuple[str, ...] | None = None
    #: The marked scripts' zero-shot shares (the rubric's estimate), beside the teacher's marks.
    memory_zero_shot: np.ndarray | None = None
    #: Whether the features include each answer's meaning pair with its question's closest model
    #: answer (:func:`pair_block`; a pooled calibrator): then applying it needs those model answers.
    meaning_pairs: bool = False
    #: A 0/1 short-answer own calibrator's scripts' inputs of the stacker shared by the teacher's
    #: questions (:mod:`marker.stacking`), and that stacker once :func:`marker.evaluate.share_stacker`
    #: has fitted it (the mark: the mean of the two probabilities).
    shared_inputs: np.ndarray | None = None
    shared: LogisticRegression | None = None
    #: The same for a 0/1 question kept as neighbours: its scripts' inputs of the correction shared by
    #: such questions (:mod:`marker.neighbours`), and the correction once ``share_stacker`` fitted it.
    correction_inputs: np.ndarray | None = None
    correction: near_model.OffsetLogistic | None = None
    #: The question's own shift of the corrected log-odds, fitted with the correction on its scripts.
    correction_offset: float = 0.0

    @property
    def pooled(self) -> bool:
        return self.question_id.startswith("*")

    def describe(self) -> str:
        what = f"other questions out of {self.max_mark}" if self.pooled else "this question"
        if self.model is None:
            other = (
                ""
                if self.correction is None
                else ", averaged with a correction fitted on the teacher's other questions"
                + ("" if not self.correction_offset else " and shifted to this question's scripts")
            )
            return (
                f"calibrated to a teacher's marks on {self.n_scripts} scripts of {what} (how close each "
                f"answer is to the teacher's marked scripts and how the teacher marks beside the rubric's "
                f"estimate{other})"
            )
        words = " and the answers' words" if self.text_model is not None else ""
        words += " and meaning" if self.meaning_model is not None else ""
        near = ", and closeness to the marked scripts" if self.memory is not None else ""
        near += "" if self.shared is None else ", averaged with a model of the teacher's other questions"
        return f"calibrated to a teacher's marks on {self.n_scripts} scripts of {what} (engine features{words}{near})"

    def neighbour_shares(
        self, feedbacks: Sequence[Feedback], answers: Sequence[str], vectors: np.ndarray | None = None
    ) -> np.ndarray:
        """The neighbours model's share of full credit for each answer, against the marked scripts
        (``vectors``: the answers' meaning vectors, when the caller has them already)."""
        return near_model.shares_of(self.neighbour_rows(feedbacks, answers, vectors))

    def neighbour_rows(
        self, feedbacks: Sequence[Feedback], answers: Sequence[str], vectors: np.ndarray | None = None
    ) -> list[dict[str, float]]:
        """The neighbours model's inputs of each answer, against the marked scripts."""
        assert self.memory is not None and self.memory_shares is not None
        return near_model.neighbour_rows(
            answer_vectors(list(answers)) if vectors is None else vectors,
            self.memory.astype(np.float32),
            self.memory_shares,
            feedbacks,
            texts=(list(self.memory_texts or ()), list(answers)),
            memory_zero_shot=self.memory_zero_shot,
        )

    def features(
        self,
        feedbacks: Sequence[Feedback],
        answers: Sequence[str],
        references: Sequence[Sequence[str]] | None = None,
    ) -> np.ndarray:
        X = feature_matrix(feedbacks, self.feature_names)
        if self.text_model is not None:
            X = np.column_stack([X, text_scores(self.text_model, answers)])
        vectors = answer_vectors(list(answers)) if self.memory is not None else None
        if self.meaning_model is not None:
            X = np.column_stack([X, meaning_scores(self.meaning_model, vectors)])
        if self.memory is not None:
            shares = self.neighbour_shares(feedbacks, answers, vectors)
            X = np.column_stack([X, _near_columns(shares, self.max_mark, self.meaning_model is not None)])
        if self.meaning_pairs:
            if references is None or len(references) != len(answers):
                raise CalibrationError(
                    f"The calibration '{self.question_id}' compares each answer with its question's model "
                    "answers, which were not given."
                )
            X = np.column_stack([X, pair_block(feedbacks, answers, references)])
        return X

    def predict_marks(
        self,
        feedbacks: Sequence[Feedback],
        answers: Sequence[str],
        references: Sequence[Sequence[str]] | None = None,
    ) -> np.ndarray:
        if self.model is None:
            rows = self.neighbour_rows(feedbacks, answers)
            if self.correction is not None:
                inputs = near_model.correction_inputs(rows, feature_matrix(feedbacks, POOLED_FEATURES))
                return near_model.corrected_marks(self.correction, inputs, self.correction_offset)
            neighbours = near_model.neighbours_model()
            return np.array(
                [neighbours.mark(float(p), self.max_mark) for p in near_model.shares_of(rows)], dtype=int
            )
        X = self.features(feedbacks, answers, references)
        if self.shared is None:
            return self.model.predict_mark(X)
        has = self.text_model is not None, self.meaning_model is not None
        view = stacking.shared_view(X, FEATURE_NAMES, *has, max_mark=self.max_mark)
        if self.max_mark != 1:  # out of more: the mean of the two ordinal models' marks' probabilities
            return ((self.model.predict_proba(X) + self.shared.predict_proba(view)) / 2).argmax(axis=1)
        shared = stacking.shared_probability(self.shared, view)
        return ((self.model.predict(X) + shared) / 2 >= 0.5).astype(int)

    def apply(
        self,
        feedbacks: Sequence[Feedback],
        answers: Sequence[str],
        references: Sequence[Sequence[str]] | None = None,
    ) -> list[Feedback]:
        """The feedbacks with calibrated marks (and levels), each saying it was calibrated.

        ``references`` (each answer's question's full-mark model answers) are needed only by a
        calibration with :attr:`meaning_pairs`; others ignore them.
        """
        if not feedbacks:
            return []
        marks = self.predict_marks(feedbacks, answers, references)
        out = []
        for fb, mark, answer in zip(feedbacks, marks, answers, strict=True):
            if not answer.strip():
                out.append(fb)  # an empty answer earns nothing, whatever the calibrator says
                continue
            mark = int(min(max(mark, 0), fb.max_mark))
            level = fb.level
            if fb.ladder:  # keep the level consistent with the calibrated mark
                level = next((lv.level for lv in fb.ladder if lv.marks[0] <= mark <= lv.marks[1]), 0)
            band = (
                next((lv.marks for lv in fb.ladder if lv.level == level), fb.band) if fb.ladder else fb.band
            )
            note = f" Calibrated: the rubric gave {fb.mark}/{fb.max_mark}; {self.describe()} gives {mark}."
            out.append(
                replace(fb, mark=mark, level=level, band=band, summary=fb.summary + note, calibrated=True)
            )
        return out


def fit_calibration(
    question_id: str,
    rubric_version: str,
    max_mark: int,
    feedbacks: Sequence[Feedback],
    answers: Sequence[str],
    marks: Sequence[float],
    *,
    min_scripts: int = MIN_SCRIPTS,
    text_min: int = TEXT_MIN,
    feature_names: Sequence[str] = FEATURE_NAMES,
    references: Sequence[Sequence[str]] | None = None,
    cross_validate: bool = True,
) -> Calibration:
    """Fit a calibrator on marked scripts (their engine feedback, their text, the teacher's marks).

    With ``references`` (each script's question's full-mark model answers; a pooled calibrator)
    the features hold each answer's meaning pair with the closest (:func:`~marker.pairs.pair_block`).
    ``cross_validate`` False leaves :attr:`Calibration.cv` empty (a fold of a check: five fits fewer)."""
    y = np.asarray(marks, dtype=float)
    neighbours_only = tuple(feature_names) == FEATURE_NAMES and _short_answers(feedbacks)
    # Short answers all marked alike still say something (this teacher gives this question's
    # answers full marks, or none): the neighbours model uses them; nothing else can be fitted.
    _check_fittable(question_id, y, min_scripts, one_mark_ok=neighbours_only)
    memory, memory_zero_shot, rows, near = (
        near_model.memory_of(feedbacks, answers, y / max_mark) if neighbours_only else (None,) * 4
    )
    X, text_model, meaning_model = _stacked(
        feature_matrix(feedbacks, feature_names), answers, memory, y, max_mark, text_min
    )
    model: MarkCalibrator | None = None
    shared_in = correction_in = None  # inputs of the models shared by the teacher's 0/1 questions
    if near is not None and (len(y) < text_min or len(np.unique(y)) < 2):
        # Few scripts: the neighbours model (fitted on public data) uses them as they are.
        cv, correction_in = _kept_as_neighbours(feedbacks, rows, near, y, max_mark)
    else:
        pairs = None if references is None else pair_block(feedbacks, answers, references)
        near, shared_in = _near_and_shared(X, near, max_mark, text_model, meaning_model)
        model, cv = _fit_model(X, near, pairs, y, max_mark, cross_validate)
    return Calibration(
        question_id=question_id,
        rubric_version=rubric_version,
        max_mark=max_mark,
        n_scripts=len(y),
        data_fingerprint=fingerprint_scripts(answers, y),
        model=model,
        text_model=text_model,
        meaning_model=meaning_model,
        feature_names=tuple(feature_names),
        fitted_at=datetime.now(UTC).isoformat(timespec="seconds"),
        versions=_versions(),
        cv=cv,
        memory=None if memory is None else memory.astype(np.float16),
        memory_shares=None if memory is None else y / max_mark,
        memory_texts=None if memory is None else tuple(answers),
        memory_zero_shot=memory_zero_shot,
        meaning_pairs=model is not None and references is not None,
        shared_inputs=shared_in,
        correction_inputs=correction_in,
    )


def _kept_as_neighbours(
    feedbacks: Sequence[Feedback],
    rows: list[dict[str, float]],
    near: np.ndarray,
    y: np.ndarray,
    max_mark: int,
) -> tuple[dict, np.ndarray | None]:
    """A question kept as neighbours: the agreement of the neighbours model's leave-one-out marks
    and, out of 1, its scripts' inputs of the correction shared by the teacher's questions."""
    cv = _agreement_if_enough(y, _near_columns(near, max_mark, whole_mark=True)[:, 1])
    if max_mark != 1:
        return cv, None
    return cv, near_model.correction_inputs(rows, feature_matrix(feedbacks, POOLED_FEATURES))


def _near_and_shared(X: np.ndarray, near, max_mark: int, text_model, meaning_model) -> tuple:
    """A short-answer own calibrator's neighbours' columns and its scripts' inputs of the stacker shared
    by the teacher's questions out of the same mark (:func:`~marker.stacking.shared_view`); else None."""
    if near is None:
        return None, None
    near = _near_columns(near, max_mark, meaning_model is not None)
    has = text_model is not None, meaning_model is not None
    return near, stacking.shared_view(np.column_stack([X, near]), FEATURE_NAMES, *has, max_mark=max_mark)


def _stacked(
    X: np.ndarray,
    answers: Sequence[str],
    memory: np.ndarray | None,
    y: np.ndarray,
    max_mark: int,
    text_min: int,
) -> tuple[np.ndarray, object | None, LogisticRegression | None]:
    """The engine's features with the stacked models' out-of-fold scores (the answers' words and,
    for a 0/1 question kept as neighbours, their meaning vectors ``memory``), and those models."""
    if len(np.unique(y)) < 2:
        return X, None, None
    text_model, text_in = fit_text_model(answers, y, max_mark, text_min)
    if text_model is not None:
        X = np.column_stack([X, text_in])
    meaning_model = None
    if memory is not None:
        meaning_model, meaning_in = fit_meaning_model(memory, y, max_mark, text_min)
        if meaning_model is not None:
            X = np.column_stack([X, meaning_in])
    return X, text_model, meaning_model


def _fit_model(
    X: np.ndarray,
    near: np.ndarray | None,
    pairs: np.ndarray | None,
    y: np.ndarray,
    max_mark: int,
    cross_validate: bool = True,
) -> tuple[MarkCalibrator, dict]:
    """The calibrator fitted on the features, the neighbours' shares (short answers) and the
    meaning pairs (a pooled calibrator's, weighed :data:`~marker.pairs.PAIR_WEIGHT`), and its
    cross-validated agreement."""
    # Few scripts: stay close to the engine (strong regularisation); more scripts: trust the data.
    alpha = 10.0 * MIN_SCRIPTS / len(y) + 0.5
    if near is not None:
        X = np.column_stack([X, near])
    model = _calibrator(max_mark, alpha, short_answers=near is not None)
    if pairs is not None:
        model.set_params(block_start=X.shape[1], block_weight=PAIR_WEIGHT)
        X = np.column_stack([X, pairs])
    cv = _cross_validated(model, X, y, max_mark) if cross_validate else {}
    return model.fit(X, y), cv


def _near_columns(shares: np.ndarray, max_mark: int, whole_mark: bool) -> np.ndarray:
    """The neighbours model's columns of a question's own calibrator: its share of full credit and,
    with ``whole_mark`` (a 0/1 question whose meaning model is stacked in), the whole mark it gives,
    which carries its cut point (chosen on public data) into the calibrator."""
    if not whole_mark:
        return np.asarray(shares, dtype=float).reshape(-1, 1)
    neighbours = near_model.neighbours_model()
    marks = [neighbours.mark(float(p), max_mark) for p in shares]
    return np.column_stack([shares, np.asarray(marks, dtype=float)])


def _calibrator(max_mark: int, alpha: float, short_answers: bool) -> MarkCalibrator:
    """A question's own calibrator. A short-answer question's, out of 1, weighs every script alike:
    with balanced classes it agreed less with the teachers on the public training sets (each
    question fitted on its first 30 or 50 scripts, its other scripts measured; docs/agreement-history.md,
    "A question's own calibrator out of 1"). Essays' and the pooled calibrator keep balanced classes (not measured so).
    Out of more than 1 a short-answer question's is ordinal, not a rounded ridge ("Stop 34")."""
    return MarkCalibrator(
        max_mark=max_mark,
        alpha=alpha,
        class_weight=None if short_answers else "balanced",
        ordinal=short_answers and max_mark > 1,
    )


def _short_answers(feedbacks: Sequence[Feedback]) -> bool:
    """Whether the scripts were marked as short answers with the meaning stage (and the
    neighbours model is shipped): only then are the scripts kept as neighbours."""
    marked = [fb for fb in feedbacks if fb.features is not None]
    defaults = load_defaults()
    return (
        bool(marked)
        and all(fb.features.meaning_estimate is not None for fb in marked)
        and defaults is not None
        and defaults.neighbours is not None
    )


def _agreement_if_enough(y: np.ndarray, predicted: np.ndarray) -> dict:
    """Agreement of leave-one-out marks with the teacher's (empty with too few scripts, as for
    the cross-validated calibrators)."""
    if len(y) < 2 * MIN_SCRIPTS:
        return {}
    from .agreement import agreement

    return agreement(y.astype(int), predicted.astype(int))


def _check_fittable(question_id: str, y: np.ndarray, min_scripts: int, one_mark_ok: bool = False) -> None:
    """Refuse too few scripts, or (unless ``one_mark_ok``) scripts that all have one mark, with
    what to do instead."""
    n = len(y)
    if n < min_scripts:
        raise CalibrationError(
            f"Question '{question_id}' has {n} marked script{'s' if n != 1 else ''}; calibration needs at "
            f"least {min_scripts}. Mark more scripts (or leave this question uncalibrated)."
        )
    if len(np.unique(y)) < 2 and not one_mark_ok:
        raise CalibrationError(
            f"Every marked script of '{question_id}' has the same mark ({y[0]:g}); calibration needs "
            "scripts with different marks."
        )


def _cross_validated(model: MarkCalibrator, X: np.ndarray, y: np.ndarray, max_mark: int) -> dict:
    """Agreement of out-of-fold predictions with the teacher's marks (empty with too few scripts)."""
    n = len(y)
    if n < 2 * MIN_SCRIPTS:
        return {}
    from .agreement import agreement

    folds = KFold(min(5, n // MIN_SCRIPTS), shuffle=True, random_state=0)
    predicted = np.clip(np.rint(cross_val_predict(model, X, y, cv=folds)), 0, max_mark).astype(int)
    return agreement(y.astype(int), predicted)


# --------------------------------------------------------------------------- saving


def calibration_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "calibrations"


def calibration_path(data_dir: Path, question_id: str) -> Path:
    """Where the calibration of a question (or ``*<max>``, pooled) is saved."""
    name = "pooled-" + question_id[1:] if question_id.startswith("*") else question_id
    return calibration_dir(data_dir) / f"{name}.joblib"


def save(calibration: Calibration, data_dir: Path) -> Path:
    """Save atomically: written and synced under a temporary name, then moved into place, so a
    crash (or another process saving at the same moment) never leaves half a file under the name."""
    path = calibration_path(data_dir, calibration.question_id)
    return write_atomically(path, lambda fh: joblib.dump(calibration, fh))


def _versions() -> dict:
    """What a calibration is saved with, for :func:`usable` to check against this process."""
    return {
        "engine": ENGINE_VERSION,
        "marking": fingerprint(),
        "sklearn": sklearn.__version__,
        "format": FORMAT_VERSION,
    }


def load(data_dir: Path, question_id: str) -> Calibration | None:
    """The saved calibration of a question, or None (none saved, or saved by another format)."""
    path = calibration_path(data_dir, question_id)
    if not path.exists():
        return None
    try:
        cal = joblib.load(path)
    except Exception as exc:  # a damaged or foreign file must not stop marking
        raise CalibrationError(f"{path}: cannot be read ({exc}); run 'marker calibrate' again.") from None
    if not isinstance(cal, Calibration) or cal.versions.get("format") not in READABLE_FORMATS:
        return None
    return cal  # a format-8 file has no correction_offset of its own: the field's default, 0.0


def usable(cal: Calibration | None, rubric_version: str) -> tuple[Calibration | None, str]:
    """The calibration if it fits the current rubric, else None and why not."""
    if cal is None:
        return None, ""
    if not cal.pooled and cal.rubric_version != rubric_version:
        return None, (
            f"a saved calibration of '{cal.question_id}' was fitted to rubric version {cal.rubric_version}, "
            f"but the rubric is now {rubric_version}: marking uncalibrated (run 'marker calibrate' again)"
        )
    if cal.versions.get("marking") != fingerprint():
        return None, (
            f"the saved calibration of '{cal.question_id}' was fitted to another version of marker's "
            f"marking (engine {cal.versions.get('engine')}, tuning or shipped models since changed): "
            "marking uncalibrated (run 'marker calibrate' again)"
        )
    if cal.versions.get("sklearn") != sklearn.__version__:
        return None, (
            f"the saved calibration of '{cal.question_id}' was fitted with scikit-learn "
            f"{cal.versions.get('sklearn')}, this is {sklearn.__version__}: run 'marker calibrate' again"
        )
    return cal, ""


def calibration_for(
    cals: dict[str, Calibration], question_id: str, max_mark: int, version: str
) -> tuple[Calibration | None, str]:
    """The question's own calibration if it fits the rubric, else the pooled one for its maximum
    (``cals`` is keyed by question id, pooled ones by ``"*<max_mark>"``), and why the own one is not used."""
    own, why = usable(cals.get(question_id), version)
    if own is not None:
        return own, why
    pooled, _ = usable(cals.get(f"*{max_mark}"), version)
    return pooled, why
