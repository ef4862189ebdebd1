"""Check rubric files: every problem and every warning, each with its file, line and field.

What ``marker rubric validate`` runs over the files and folders it is given: rubrics
(questions, topics, model answers) and questions in the import format. A problem makes a file
unusable; a warning names something the schema allows that cannot work as the teacher meant
(a ``thresholds`` table asking for more credited points than the question has).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .bank import QuestionBank, answer_problems, cross_check
from .errors import MarkerError, RubricError, RubricErrors
from .import_format import is_import_file, load_specs
from .rubric import PointsMarking, Question, _node_line, load_model_answer, load_question, load_topic

SUFFIXES = (".yaml", ".yml", ".md")


@dataclass
class CheckReport:
    """What a check found.

    Attributes:
        files: every file looked at.
        checked: the files that passed the schema.
        problems: one line per problem ("file, line N: field 'x': what is wrong").
        warnings: one line per warning, in the same form.
    """

    files: list[Path]
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def unreachable_marks(thresholds: dict[int, int] | None, n_points: int) -> str | None:
    """Why a thresholds table cannot work: marks that need more points than the question has.

    >>> unreachable_marks({3: 4, 2: 3, 1: 1}, 2)
    'marks 3 and 2 need 4 and 3 credited points, but the question has only 2 points, so they can never be given (the most it can give is 1): add points or lower the numbers'
    >>> unreachable_marks({3: 4, 2: 3, 1: 1}, 4) is None
    True
    """
    if not thresholds:
        return None
    over = sorted(((m, need) for m, need in thresholds.items() if need > n_points), reverse=True)
    if not over:
        return None
    best = max((m for m, need in thresholds.items() if need <= n_points), default=0)
    marks = " and ".join(str(m) for m, _ in over)
    needs = " and ".join(str(need) for _, need in over)
    what = f"marks {marks} need {needs}" if len(over) > 1 else f"mark {marks} needs {needs}"
    return (
        f"{what} credited points, but the question has only {n_points} point{'s' if n_points != 1 else ''}, "
        f"so {'they' if len(over) > 1 else 'it'} can never be given (the most it can give is {best}): "
        "add points or lower the numbers"
    )


def question_warnings(question: Question, path: Path | None = None) -> list[RubricError]:
    """Warnings about a question that passed the schema (a thresholds table it cannot meet)."""
    marking = question.marking
    if not isinstance(marking, PointsMarking):
        return []
    reason = unreachable_marks(marking.thresholds, len(question.points))
    if reason is None:
        return []
    line = _line(path, ("marking", "thresholds")) if path is not None else None
    return [RubricError(str(path or f"<question {question.id}>"), reason, line, "marking.thresholds")]


def check_files(paths: list[Path]) -> CheckReport:
    """Check rubric, topic, model-answer and import-format files, and the files in folders.

    Topics are read first (a question is checked against the topics given beside it), model
    answers last (an example's mark against its level's band in the question).

    Raises:
        MarkerError: a path that is neither a file nor a folder.
    """
    files = _files(paths)
    files.sort(key=lambda f: 0 if _is_topic(f) else 1)
    bank = QuestionBank.load()
    topics, questions = dict(bank.topics), dict(bank.questions)
    report, answers = CheckReport(files), []
    for f in files:
        if f.name.lower() == "readme.md":
            continue
        try:
            if f.suffix == ".md":
                answers.append((load_model_answer(f), f))
            elif _is_topic(f):
                topic = load_topic(f)
                topics[topic.id] = topic
            elif is_import_file(f):
                report.warnings += [str(w) for w in _import_warnings(f)]
            else:
                question = load_question(f)
                questions[question.id] = question
                errs = cross_check(question, topics, f)
                if errs:
                    raise RubricErrors(errs)
                report.warnings += [str(w) for w in question_warnings(question, f)]
            report.checked += 1
        except RubricErrors as exc:
            report.problems += [str(e) for e in exc.errors]
    for answer, f in answers:
        if answer.question in questions:
            report.problems += [str(e) for e in answer_problems(answer, questions[answer.question], f)]
    return report


def _files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.suffix in SUFFIXES and f.is_file())
        elif p.is_file():
            files.append(p)
        else:
            raise MarkerError(f"No such file or folder: {p}")
    return files


def _import_warnings(path: Path) -> list[RubricError]:
    """Thresholds tables of an import file that need more points than its questions list.

    Only questions that list their points (or indicative content) are checked here: points
    derived from model answers are known once 'marker rubric new' has built them, and it warns then.
    """
    specs = load_specs(path)  # raises RubricErrors naming every problem
    is_list = isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), list)
    warnings = []
    for i, spec in enumerate(specs):
        listed = spec.points or spec.indicative_content
        thresholds = spec.marking.thresholds if spec.marking else None
        reason = unreachable_marks(thresholds, len(listed)) if listed else None
        if reason:
            loc = ((i,) if is_list else ()) + ("marking", "thresholds")
            field = ".".join(map(str, loc))
            warnings.append(
                RubricError(str(path), f"question '{spec.id}': {reason}", _line(path, loc), field)
            )
    return warnings


def _line(path: Path, loc: tuple) -> int | None:
    try:
        return _node_line(yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader), loc)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def _is_topic(path: Path) -> bool:
    if "topics" in path.parts:
        return True
    try:
        head = path.read_text(encoding="utf-8")[:4000]
    except (OSError, UnicodeDecodeError):
        return False
    return "\nconcepts:" in head and "\nmarking:" not in head
