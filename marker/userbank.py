"""Teachers' own rubrics and model answers, saved as new versions beside the shipped bank.

The shipped ``rubrics/`` and ``model_answers/`` are never written. A saved rubric goes to
``<data>/rubrics/questions/<id>/v<N>.yaml`` (N from the database's version record) and
the newest version of each question overrides the shipped one when the bank loads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .atomic import publish_new, write_atomically
from .bank import QuestionBank
from .errors import RubricError, RubricErrors
from .rubric import ModelAnswer, Question, Topic, load_model_answer, load_question, load_topic
from .store import RubricVersion, Store

_VERSION_FILE = re.compile(r"^v(\d+)\.ya?ml$")


def questions_dir(data: Path) -> Path:
    return data / "rubrics" / "questions"


def answers_dir(data: Path) -> Path:
    return data / "model_answers"


def topics_dir(data: Path) -> Path:
    return data / "rubrics" / "topics"


@dataclass
class LoadedBank:
    """The bank with teachers' versions laid over it, and any saved file that could not be used."""

    bank: QuestionBank
    problems: list[RubricError] = field(default_factory=list)
    #: question id -> version number now in use, for questions a teacher has saved.
    versions: dict[str, int] = field(default_factory=dict)


def load_bank(data: Path, shipped: QuestionBank | None = None, only_known: bool = False) -> LoadedBank:
    """The shipped bank plus the newest saved version of each question and the saved model answers.

    A broken saved file is reported in ``problems`` and skipped (the shipped version stays).
    With ``only_known``, saved versions of questions that are not in ``shipped`` are left out
    (a bank from an import file takes the versions of its own questions only).
    """
    bank = shipped if shipped is not None else QuestionBank.load()
    out = LoadedBank(bank)
    # Topics of questions a teacher built from model answers (shipped topics are never replaced).
    for path in sorted(topics_dir(data).glob("*.yaml")):
        try:
            topic = load_topic(path)
        except RubricErrors as exc:
            out.problems.extend(exc.errors)
            continue
        bank.topics.setdefault(topic.id, topic)
    for qdir in sorted(p for p in questions_dir(data).glob("*") if p.is_dir()):
        files = sorted((int(m.group(1)), f) for f in qdir.iterdir() if (m := _VERSION_FILE.match(f.name)))
        if not files or (only_known and qdir.name not in bank.questions):
            continue
        _add_newest_that_loads(out, files)
    for path in sorted(answers_dir(data).glob("*/*.md")):
        try:
            answer = load_model_answer(path)
        except RubricErrors as exc:
            out.problems.extend(exc.errors)
            continue
        if answer.question in bank.questions:
            bank.add_model_answer(answer)
    return out


def _add_newest_that_loads(out: LoadedBank, files: list[tuple[int, Path]]) -> None:
    """Use a question's newest saved version that loads; report each newer one that does not.

    A damaged newest file (cut short by a crash in an older marker, edited by hand) leaves
    the version before it in use, and says so, rather than stopping the bank from loading.
    """
    broken: list[Path] = []
    for number, path in reversed(files):
        try:
            question = load_question(path)
        except RubricErrors as exc:
            out.problems.extend(exc.errors)
            broken.append(path)
            continue
        out.bank.add_question(question, path)
        out.versions[path.parent.name] = number
        for bad in broken:
            out.problems.append(
                RubricError(
                    str(bad), f"this saved version cannot be used; version {number} is in use instead"
                )
            )
        return


def _write_atomically(path: Path, text: str) -> None:
    write_atomically(path, text)


def question_yaml(question: Question) -> str:
    data = question.model_dump(mode="json", exclude_defaults=False)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def save_question(question: Question, data: Path, store: Store, note: str = "") -> RubricVersion:
    """Save a rubric as its next version, complete or not at all.

    The number is taken under the database's write lock and the file appears whole (see
    :func:`marker.atomic.publish_new`): two teachers saving at the same moment get two versions,
    and a crash leaves either no file or a complete one. The file is removed if the record fails.
    """
    text = question_yaml(question)
    placed: list[Path] = []

    def place(number: int) -> str | None:
        path = questions_dir(data) / question.id / f"v{number}.yaml"
        if not publish_new(path, text):
            return None  # a file from a save whose record was lost keeps its number
        placed.append(path)
        return str(path)

    try:
        return store.add_rubric_version(question.id, question.version, place, note)
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise


def save_topic(topic: Topic, data: Path) -> Path:
    """Write a teacher's topic (one that came with a question built from model answers)."""
    path = topics_dir(data) / f"{topic.id}.yaml"
    data_ = topic.model_dump(mode="json", exclude_defaults=True)
    _write_atomically(path, yaml.safe_dump(data_, sort_keys=False, allow_unicode=True, width=100))
    return path


def save_model_answer(answer: ModelAnswer, data: Path) -> Path:
    """Write a model answer to the teacher's folder (Markdown with front matter)."""
    front = {"question": answer.question, "intended_mark": answer.intended_mark}
    if answer.intended_level is not None:
        front["intended_level"] = answer.intended_level
    if answer.note:
        front["note"] = answer.note
    name = re.sub(r"[^a-z0-9-]+", "-", (answer.name or "teacher").lower()).strip("-") or "teacher"
    path = answers_dir(data) / answer.question / f"{name}.md"
    _write_atomically(
        path,
        "---\n"
        + yaml.safe_dump(front, sort_keys=False, allow_unicode=True)
        + "---\n"
        + answer.text.strip()
        + "\n",
    )
    return path
