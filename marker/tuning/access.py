"""Tuning of who sees what (see :mod:`marker.access`): student codes, guessing limits, teacher sessions."""

from __future__ import annotations

from pydantic import Field, model_validator

from .base import _Section


class AccessTuning(_Section):
    """How codes are hashed and made, how fast wrong guesses are slowed, when a teacher is logged out.

    Chosen for a class of thirty on one school server, not fitted: a guesser must be slowed to a
    handful of tries an hour, while a pupil who mistypes twice, or a teacher who mistypes the
    passcode, never waits more than half a minute.
    """

    scrypt_log2_n: int = Field(
        14,
        ge=10,
        le=20,
        description="scrypt's cost is 2**this: 2**14 with r=8 (the interactive setting scrypt's author gives) "
        "takes 16 MiB and about 0.15 s per check on the loaded 2-core test machine, once per pupil per "
        "session, while every offline guess at a copied database costs the same.",
    )
    scrypt_r: int = Field(
        8,
        ge=1,
        le=32,
        description="scrypt's block size: 8, the value its author recommends and OpenSSL is tuned for.",
    )
    salt_bytes: int = Field(
        16,
        ge=16,
        le=64,
        description="Random salt per code (128 bits): two pupils who choose the same code get different hashes, "
        "and no table of precomputed hashes fits.",
    )
    issued_code_length: int = Field(
        8,
        ge=6,
        le=16,
        description="Characters of a code a teacher issues, from 32 letters and digits that cannot be misread "
        "(no I, O, 0, 1): 8 give 32**8, about a million million codes, out of reach at a few guesses an hour, "
        "and are short enough to copy from a slip of paper.",
    )
    personal_code_min_chars: int = Field(
        6,
        ge=4,
        le=64,
        description="Shortest personal code a pupil may choose: with guessing slowed to a few tries an hour, six "
        "characters that are not a run or one repeated key are out of a classmate's reach in a school year.",
    )
    personal_code_min_distinct: int = Field(
        3,
        ge=1,
        le=16,
        description="A personal code needs this many different characters: 'aaaaaa' or 'ababab' is the first "
        "thing a classmate tries.",
    )
    code_max_chars: int = Field(
        128,
        ge=16,
        le=1024,
        description="Longest code accepted or checked: a passphrase fits, and a pasted page is refused before "
        "it is hashed.",
    )
    session_free_failures: int = Field(
        5,
        ge=1,
        le=100,
        description="Wrong codes (or passcodes) one browser session may enter before it must wait: five allows "
        "for caps lock and a mistyped character or two without ever making an honest user wait.",
    )
    client_free_failures: int = Field(
        10,
        ge=1,
        le=1000,
        description="Wrong codes one computer (one address) may enter, across all its sessions, before it must "
        "wait: twice the session's, because opening a new tab starts a new session, and a few pupils may "
        "share a computer in a lesson. Behind a proxy every pupil has the proxy's address: then this is the "
        "whole class's allowance.",
    )
    lockout_first_seconds: float = Field(
        30.0,
        ge=1,
        le=3600,
        description="The wait after the first failure past the allowance; each further failure doubles it. Half "
        "a minute is long enough to stop a script guessing and short enough for a pupil who mistyped.",
    )
    lockout_max_seconds: float = Field(
        900.0,
        ge=1,
        le=86400,
        description="The longest wait (15 minutes): about four guesses an hour for a persistent guesser, while a "
        "pupil locked out by a classmate's pranks is back within the lesson.",
    )
    failure_memory_seconds: float = Field(
        3600.0,
        ge=60,
        le=86400 * 7,
        description="Failures are forgotten after an hour without another: longer than the longest wait, so "
        "waiting out a lockout does not also reset the count (the next wrong guess waits again).",
    )
    teacher_idle_minutes: float = Field(
        30.0,
        ge=1,
        le=24 * 60,
        description="A teacher's unlocked pages lock again after this long without use: shorter than a lesson, "
        "so a laptop left open on the teacher's desk does not stay unlocked for the next class.",
    )
    class_list_max_names: int = Field(
        400,
        ge=1,
        le=100_000,
        description="Most names in one class list: a year group of 300 fits. Each code is hashed once (about "
        "0.15 s on the loaded test machine), so 400 take about a minute; a pasted file that is not a class "
        "list (a whole spreadsheet) is refused before that.",
    )
    name_max_chars: int = Field(
        100,
        ge=10,
        le=1000,
        description="Longest student name in a class list: a full name with middle names fits; a longer cell is "
        "not a name (a pasted paragraph).",
    )

    @model_validator(mode="after")
    def _lockout_order(self) -> AccessTuning:
        if self.lockout_first_seconds > self.lockout_max_seconds:
            raise ValueError("lockout_first_seconds must not exceed lockout_max_seconds")
        if self.failure_memory_seconds < self.lockout_max_seconds:
            raise ValueError("failure_memory_seconds must be at least lockout_max_seconds")
        return self
