"""The result record that exports and class analytics read: one script, who wrote it, and its Feedback.

Its own module so that :mod:`marker.analytics` (class figures) and :mod:`marker.export`
(spreadsheets and pages) both read it without importing each other.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .feedback import Feedback

#: What became of a script in a batch (see :attr:`ResultRecord.status`).
STATUSES = ("marked", "failed", "rejected")


@dataclass(frozen=True)
class ResultRecord:
    """One script of a class set: who wrote it, where it came from, and its feedback.

    Attributes:
        script_id: the script's id in the batch.
        student: the student's name ("" when unknown).
        source: the file or spreadsheet row it came from.
        feedback: the Feedback, or None when the script could not be marked. Its stored JSON form
            (``Feedback.to_dict()``, as kept in SQLite) is read back into a Feedback on creation.
        error: why it could not be marked (a corrupt file, an empty answer, ...).
        answer: the student's text, shown on the feedback page.
        status: one of :data:`STATUSES`, the same word in the CLI, the CSV and the app:
            "marked"; "failed", the marker raised on a script it had read (a bug to report);
            "rejected", the input could not be used (unreadable, empty or too large file, no
            or an unknown question, a bad table row). Left out, it is "marked" with feedback
            and "failed" without.
        ocr_confidence: the recogniser's mean confidence (0-1) when the answer was read by OCR
            from a scan or photo; None when it was read from the file's own text.
    """

    script_id: str
    student: str
    source: str
    feedback: Feedback | None
    error: str | None = None
    answer: str = ""
    status: str = ""
    ocr_confidence: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.feedback, dict):
            # Frozen: set once here, so every reader gets a Feedback whichever form it was given.
            object.__setattr__(self, "feedback", Feedback.from_dict(self.feedback))
        if not self.status:
            object.__setattr__(self, "status", "marked" if self.feedback is not None else "failed")
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {self.status!r}")

    @property
    def failed(self) -> bool:
        return self.feedback is None

    def to_dict(self) -> dict:
        """The JSON form: the feedback as ``Feedback.to_dict()``."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ResultRecord:
        """The inverse of :meth:`to_dict` (unknown keys are ignored).

        >>> r = ResultRecord("s1", "Ann", "a.docx", None, "empty file")
        >>> ResultRecord.from_dict(r.to_dict()) == r
        True
        """
        return cls(
            script_id=str(data["script_id"]),
            student=data.get("student") or "",
            source=data.get("source") or "",
            feedback=data.get("feedback"),
            error=data.get("error"),
            answer=data.get("answer") or "",
            status=data.get("status") or "",
            ocr_confidence=data.get("ocr_confidence"),
        )
