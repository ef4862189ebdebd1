"""Teachers' own rubrics and model answers, saved as new versions beside the shipped bank.

The shipped ``rubrics/`` and ``model_answers/`` are never written. A saved rubric goes to
``<data>/rubrics/questions/<id>/v<N>.yaml`` (N from the database's version record) and
the newest version of each question overrides the shipped one when the bank loads.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

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
        number, path = files[-1]
        try:
            bank.add_question(load_question(path), path)
            out.versions[qdir.name] = number
        except RubricErrors as exc:
            out.problems.extend(exc.errors)
    for path in sorted(answers_dir(data).glob("*/*.md")):
        try:
            answer = load_model_answer(path)
        except RubricErrors as exc:
            out.problems.extend(exc.errors)
            continue
        if answer.question in bank.questions:
            bank.add_model_answer(answer)
    return out


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def question_yaml(question: Question) -> str:
    data = question.model_dump(mode="json", exclude_defaults=False)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def save_question(question: Question, data: Path, store: Store, note: str = "") -> RubricVersion:
    """Save a rubric as its next version. Nothing is left half-saved: the file is removed if the record fails."""
    existing = store.rubric_versions(question.id)
    number = (existing[-1].number if existing else 0) + 1
    path = questions_dir(data) / question.id / f"v{number}.yaml"
    _write_atomically(path, question_yaml(question))
    try:
        return store.record_rubric_version(question.id, question.version, str(path), note)
    except BaseException:
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
