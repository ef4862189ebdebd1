"""The ``marker`` command line: list questions, mark an answer, validate rubric files."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from .errors import MAX_ANSWER_CHARS, AnswerFileError, MarkerError, RubricErrors

app = typer.Typer(
    help="Mark practice answers against a rubric and explain every mark. Everything runs locally.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rubric_app = typer.Typer(help="Work with rubric files.", no_args_is_help=True)
app.add_typer(rubric_app, name="rubric")


def friendly(func):
    """Show a MarkerError's message (never a traceback) and exit with status 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except MarkerError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper


def read_answer(source: str) -> str:
    """Read an answer from a file path or ``-`` (standard input), as UTF-8 text."""
    if source == "-":
        data = sys.stdin.buffer.read(MAX_ANSWER_CHARS * 4 + 1)
        name = "standard input"
    else:
        path = Path(source)
        if not path.is_file():
            raise AnswerFileError(f"No such answer file: {source}")
        size = path.stat().st_size
        if size > MAX_ANSWER_CHARS * 4:
            raise AnswerFileError(
                f"{source} is {size:,} bytes; answers are limited to {MAX_ANSWER_CHARS:,} characters."
            )
        data = path.read_bytes()
        name = source
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnswerFileError(
            f"{name} is not UTF-8 text (undecodable byte at position {exc.start}). "
            "Save it as plain text in UTF-8 (in Word: Save As > Plain Text > Unicode (UTF-8))."
        ) from None


@app.command()
@friendly
def questions(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the questions in the bank."""
    from .bank import QuestionBank

    bank = QuestionBank.load()
    rows = [
        {
            "id": q.id,
            "topic": q.topic,
            "question": q.question,
            "max_mark": q.max_mark,
            "marking": q.kind,
            "command_word": q.command_word,
            "period": f"{q.period.start}-{q.period.end}",
        }
        for q in bank.questions.values()
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        typer.echo(f"{r['id']:28} {r['max_mark']:>3} marks  {r['marking']:6}  {r['question']}")


@app.command()
@friendly
def mark(
    question: Annotated[str, typer.Option("--question", "-q", help="Question id (see 'marker questions').")],
    file: Annotated[str, typer.Argument(help="Answer file (UTF-8 text), or - for standard input.")] = "-",
    as_json: Annotated[bool, typer.Option("--json", help="Print the feedback as JSON.")] = False,
) -> None:
    """Mark one answer and explain the mark."""
    from .bank import QuestionBank

    bank = QuestionBank.load()
    bank.question(question)  # an unknown id fails before the pipeline loads
    text = read_answer(file)
    from .engine import Marker

    feedback = Marker(bank).mark(question, text)
    typer.echo(feedback.to_json() if as_json else feedback.to_text())


@rubric_app.command("validate")
@friendly
def validate(
    paths: Annotated[
        list[Path], typer.Argument(help="Rubric, topic or model-answer files, or folders of them.")
    ],
) -> None:
    """Check rubric files against the schema; report every problem with its file, line and field."""
    from .bank import QuestionBank, cross_check
    from .rubric import load_model_answer, load_question, load_topic

    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.suffix in {".yaml", ".yml", ".md"} and f.is_file())
        elif p.is_file():
            files.append(p)
        else:
            raise MarkerError(f"No such file or folder: {p}")
    bank = QuestionBank.load()
    topics = dict(bank.topics)
    problems: list[str] = []
    checked = 0
    for f in files:
        try:
            if f.suffix == ".md":
                if f.name.lower() == "readme.md":
                    continue
                load_model_answer(f)
            elif "topics" in f.parts or _looks_like_topic(f):
                topic = load_topic(f)
                topics[topic.id] = topic
            else:
                errs = cross_check(load_question(f), topics, f)
                if errs:
                    raise RubricErrors(errs)
            checked += 1
        except RubricErrors as exc:
            problems += [str(e) for e in exc.errors]
    for line in problems:
        typer.echo(line, err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {len(files)} file(s).", err=True)
        raise typer.Exit(1)
    typer.echo(f"{checked} file(s) valid.")


def _looks_like_topic(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8")[:4000]
    except (OSError, UnicodeDecodeError):
        return False
    return "\nconcepts:" in head and "\nmarking:" not in head


def main() -> None:
    app()
