"""Who sees what in the app: class mode, students' codes, slowing down guessing, teacher sessions.

Local single-user mode (the default) is one person's computer: anyone at it opens the drafts
saved under any name. Class mode is a server a class shares: a student's drafts open only with
the student's code, either one the student chooses on first use or one a teacher issues from a
class list. Class mode is on when ``MARKER_CLASS_MODE`` says so (``1``/``0`` win over anything
else), else when a teacher switched it on in the app (kept in the data folder's database).

Codes are kept only as salted scrypt hashes (:func:`hash_code`) and checked in constant time
(:func:`verify_code`). Wrong codes and teacher passcodes are counted per browser session and
per client address by an :class:`AttemptLimiter`, which makes the caller wait longer after each
failure past a small allowance. Nothing here logs, returns or puts in a message a code or what
was typed for one.

The numbers are ``TUNING.access`` (``marker/tuning/access.py``).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .errors import MarkerError
from .roster import fold, name_tokens
from .store import Store, StudentCode
from .tuning import TUNING, AccessTuning

#: The environment variable that switches class mode on (1) or off (0) whatever the app's setting.
CLASS_MODE_ENV = "MARKER_CLASS_MODE"
#: The key of the app's setting in the database's settings table.
CLASS_MODE_SETTING = "class_mode"
#: Characters of issued codes: capitals and digits that cannot be misread (no I, O, 0 or 1).
ISSUED_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

_ON = {"1", "on", "true", "yes", "class"}
_OFF = {"0", "off", "false", "no", "local"}


class AccessError(MarkerError):
    """A code, a class list or a setting of class mode cannot be used; the message never holds a code."""


# --- names -------------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """The form of a name a code is kept under: case, accents, spacing and "Last, First" do not matter.

    >>> name_key("Lovelace,  Ada"), name_key("ADA LOVELACE"), name_key("Zoë")
    ('ada lovelace', 'ada lovelace', 'zoe')
    """
    return " ".join(name_tokens(name)) or fold(name)


# --- hashing -----------------------------------------------------------------------------------


def hash_code(code: str, *, salt: bytes | None = None, tuning: AccessTuning | None = None) -> str:
    """The salted scrypt hash of a code, with its parameters: ``scrypt$log2n$r$p$salt$hash`` (hex).

    The parameters travel with the hash, so a later marker with a higher cost still checks
    the codes kept before it.

    >>> stored = hash_code("swordfish", salt=bytes(16))
    >>> stored.split("$")[:4], verify_code("swordfish", stored), verify_code("Swordfish", stored)
    (['scrypt', '14', '8', '1'], True, False)
    """
    t = tuning or TUNING.access
    salt = secrets.token_bytes(t.salt_bytes) if salt is None else salt
    digest = _scrypt(code, salt, t.scrypt_log2_n, t.scrypt_r, 1)
    return f"scrypt${t.scrypt_log2_n}${t.scrypt_r}$1${salt.hex()}${digest.hex()}"


def same_secret(entered: str, secret: str) -> bool:
    """Whether a typed passcode is the one set, compared in constant time (also in its length:
    both sides are hashed to 32 bytes first)."""
    return hmac.compare_digest(
        hashlib.sha256(entered.encode("utf-8")).digest(), hashlib.sha256(secret.encode("utf-8")).digest()
    )


def verify_code(code: str, stored: str) -> bool:
    """Whether a code is the one whose hash is ``stored``, compared in constant time.

    A malformed stored hash is never a match (and never an error showing it).
    """
    try:
        scheme, log2n, r, p, salt, digest = stored.split("$")
        expected = bytes.fromhex(digest)
        params = int(log2n), int(r), int(p)
        if scheme != "scrypt" or not 10 <= params[0] <= 20:
            return False
        actual = _scrypt(code, bytes.fromhex(salt), *params)
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(code: str, salt: bytes, log2n: int, r: int, p: int) -> bytes:
    # maxmem: scrypt needs 128 * r * n bytes; OpenSSL's default cap (32 MiB) would refuse log2n 15.
    memory = 128 * r * (2**log2n) + 1024 * 1024
    return hashlib.scrypt(code.encode("utf-8"), salt=salt, n=2**log2n, r=r, p=p, maxmem=memory, dklen=32)


# --- students' codes ---------------------------------------------------------------------------


def new_issued_code(tuning: AccessTuning | None = None) -> str:
    """A random code for a teacher to hand out, in groups of four ("K7QM-2XPA")."""
    t = tuning or TUNING.access
    raw = "".join(secrets.choice(ISSUED_ALPHABET) for _ in range(t.issued_code_length))
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_issued(code: str) -> str:
    """An issued code as typed, read leniently: case, spaces and hyphens do not matter."""
    return "".join(c for c in code.upper() if c not in " -\t")


def check_personal_code(name: str, code: str, repeat: str, tuning: AccessTuning | None = None) -> None:
    """Refuse a personal code that a classmate would guess, or two entries that differ.

    Raises:
        AccessError: what is wrong and what to do (never the code itself).
    """
    t = tuning or TUNING.access
    if code != repeat:
        raise AccessError("The two codes differ: type the same code in both boxes.")
    if len(code) < t.personal_code_min_chars:
        raise AccessError(f"Choose a code of at least {t.personal_code_min_chars} characters.")
    if len(code) > t.code_max_chars:
        raise AccessError(f"Choose a code of at most {t.code_max_chars} characters.")
    if len(set(code.casefold())) < t.personal_code_min_distinct:
        raise AccessError(f"Use at least {t.personal_code_min_distinct} different characters in your code.")
    steps = {ord(b) - ord(a) for a, b in zip(code.casefold(), code.casefold()[1:], strict=False)}
    if steps in ({1}, {-1}):
        raise AccessError(
            "A run such as 123456 or abcdef is the first code a classmate tries: choose another."
        )
    folded = code.casefold()
    if any(len(word) >= 3 and word in folded for word in name_tokens(name)):
        raise AccessError("Leave your name out of your code: a classmate would try it first.")


def may_choose_code(store: Store, name: str) -> bool:
    """Whether this name may choose its own code: it has none, and no drafts saved before class mode.

    Drafts kept under a name before it had a code belong to whoever typed it then: a classmate
    must not claim them by choosing a code first, so such a name needs a code from a teacher.
    """
    key = name_key(name)
    if store.student_code(key) is not None:
        return False
    return not any(name_key(student) == key for student in store.students())


def choose_code(store: Store, name: str, code: str, repeat: str) -> StudentCode:
    """Keep a student's own code, chosen on first use (see :func:`may_choose_code`).

    Raises:
        AccessError: the code is too easy (:func:`check_personal_code`), or the name was claimed
            meanwhile or has older drafts.
    """
    name = " ".join(name.split())
    check_personal_code(name, code, repeat)
    key = name_key(name)
    if not may_choose_code(store, name) or not store.save_student_codes(
        [(key, name, "personal", hash_code(code))], replace=False
    ):
        raise AccessError(
            f"The name \u2018{name}\u2019 already has a code, or drafts from before class mode: "
            "type its code, or ask your teacher for one."
        )
    code_record = store.student_code(key)
    assert code_record is not None  # saved just above, in this call's transaction
    return code_record


def code_matches(record: StudentCode, code: str, tuning: AccessTuning | None = None) -> bool:
    """Whether ``code`` opens the drafts of ``record``'s student (an issued code read leniently)."""
    t = tuning or TUNING.access
    if len(code) > t.code_max_chars:
        return False
    return verify_code(normalise_issued(code) if record.kind == "issued" else code, record.code_hash)


# --- class lists -------------------------------------------------------------------------------

_NAME_HEADERS = {"name", "names", "student", "student name", "full name", "pupil", "pupil name"}
_FIRST_HEADERS = {"first name", "firstname", "given name", "forename"}
_LAST_HEADERS = {"last name", "lastname", "surname", "family name"}


def read_class_list(
    text: str, source: str = "The class list", tuning: AccessTuning | None = None
) -> list[str]:
    """The names of a class list: one per line, or a CSV whose header names a name column
    (``name``, ``student``, or ``first name`` with ``last name``).

    Raises:
        AccessError: every problem, each with its line (a duplicate, a cell too long to be a
            name, control characters), too many names, or none at all (blank lines are skipped).
    """
    t = tuning or TUNING.access
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise AccessError(f"{source} cannot be read as text or CSV ({exc}).") from None
    columns = _name_columns(rows[0] if rows else [])
    if columns is None:
        entries = [(n, line) for n, line in enumerate(text.splitlines(), start=1)]
    else:
        entries = [
            (n, " ".join(r[i] for i in columns if i < len(r))) for n, r in enumerate(rows[1:], start=2)
        ]
    names, seen, problems = [], {}, []
    for line, raw in entries:
        name = " ".join(raw.split())
        if not name:
            continue
        key = name_key(name)
        if len(name) > t.name_max_chars:
            problems.append(f"line {line}: longer than {t.name_max_chars} characters, so not a name")
        elif any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
            problems.append(f"line {line}: holds control characters (invisible text); type the name again")
        elif key in seen:
            problems.append(f"line {line}: \u2018{name}\u2019 is the same name as line {seen[key]}")
        else:
            seen[key] = line
            names.append(name)
    if len(names) > t.class_list_max_names:
        problems.append(f"{len(names)} names; one list may have at most {t.class_list_max_names}")
    if problems:
        raise AccessError(f"{source} was not used; nothing was saved.\n" + "\n".join(problems))
    if not names:
        raise AccessError(f"{source} has no names: give one name per line, or a CSV with a 'name' column.")
    return names


def _name_columns(header: list[str]) -> list[int] | None:
    """The columns that hold names in a CSV header, or None when the first line is a name itself."""
    cells = [" ".join(c.split()).casefold() for c in header]
    for i, cell in enumerate(cells):
        if cell in _NAME_HEADERS:
            return [i]
    first = next((i for i, c in enumerate(cells) if c in _FIRST_HEADERS), None)
    last = next((i for i, c in enumerate(cells) if c in _LAST_HEADERS), None)
    return [first, last] if first is not None and last is not None else None


@dataclass(frozen=True)
class IssuedCodes:
    """Codes just issued (each in plain text only here, to hand out once) and the names that kept theirs."""

    issued: list[tuple[str, str]]
    kept: list[str]

    def csv(self) -> str:
        """The issued codes as ``name,code`` rows; a name that a spreadsheet would run is quoted as text."""
        from .export import safe_cell  # openpyxl and the renderers: loaded only when codes are issued

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["name", "code"])
        writer.writerows([safe_cell(name), code] for name, code in self.issued)
        return out.getvalue()


def issue_codes(
    store: Store,
    names: list[str],
    *,
    replace: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> IssuedCodes:
    """Issue a code to each name of a class list; without ``replace``, a name with a code keeps it.

    Args:
        progress: called with (done, total) after each code is hashed (hashing is the slow part).
    """
    have = {c.name_key for c in store.student_codes()}
    todo = [n for n in names if replace or name_key(n) not in have]
    plain, rows = [], []
    for done, name in enumerate(todo, start=1):
        code = new_issued_code()
        plain.append((name, code))
        rows.append((name_key(name), name, "issued", hash_code(normalise_issued(code))))
        if progress is not None:
            progress(done, len(todo))
    saved = set(store.save_student_codes(rows, replace=replace))
    return IssuedCodes(
        issued=[(n, c) for n, c in plain if name_key(n) in saved],
        kept=[n for n in names if name_key(n) not in saved],
    )


# --- class mode --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassMode:
    """Whether the app serves a class, and who decided: the environment, a teacher's setting, or nobody."""

    on: bool
    source: str  # "environment", "setting" or "default"
    problem: str | None = None


def class_mode(store: Store, environ: Mapping[str, str] | None = None) -> ClassMode:
    """Class mode as ``MARKER_CLASS_MODE`` sets it, else as a teacher saved it, else off.

    An unrecognised value of the variable turns class mode on (the safe side) and says so.
    """
    value = (os.environ if environ is None else environ).get(CLASS_MODE_ENV, "").strip().casefold()
    if value in _ON:
        return ClassMode(True, "environment")
    if value in _OFF:
        return ClassMode(False, "environment")
    if value:
        return ClassMode(
            True,
            "environment",
            f"{CLASS_MODE_ENV} is set to \u2018{value}\u2019, which is neither 1 (on) nor 0 (off): "
            "class mode is on until it is corrected.",
        )
    return ClassMode(store.setting(CLASS_MODE_SETTING) == "on", "setting")


def set_class_mode(store: Store, on: bool) -> None:
    """Save a teacher's choice (``MARKER_CLASS_MODE``, when set, still wins)."""
    store.set_setting(CLASS_MODE_SETTING, "on" if on else "off")


# --- limiting attempts -------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """Who is trying a code: a browser session and the client's address (``"local"`` for this computer)."""

    session: str
    client: str


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0


@dataclass
class AttemptLimiter:
    """Counts wrong codes per session and per client, and makes each wait longer after its allowance.

    One per server process (the app keeps it in ``st.cache_resource``): a restart forgets the
    counts, which only the server's owner can cause. The clock is injectable for tests.

    >>> now = [0.0]
    >>> limiter = AttemptLimiter(clock=lambda: now[0])
    >>> caller = Caller("tab-1", "10.0.0.7")
    >>> [limiter.failed("teacher", caller) for _ in range(5)]
    [0.0, 0.0, 0.0, 0.0, 30.0]
    >>> now[0] = 31.0; limiter.wait("teacher", caller)
    0.0
    """

    clock: Callable[[], float] = time.monotonic
    tuning: AccessTuning = field(default_factory=lambda: TUNING.access)
    _failures: dict[tuple[str, str, str], _Failures] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _keys(self, scope: str, caller: Caller) -> list[tuple[tuple[str, str, str], int]]:
        t = self.tuning
        return [
            ((scope, "session", caller.session), t.session_free_failures),
            ((scope, "client", caller.client), t.client_free_failures),
        ]

    def _wait(self, failures: _Failures | None, free: int, now: float) -> float:
        t = self.tuning
        if failures is None or failures.count < free or now - failures.last > t.failure_memory_seconds:
            return 0.0
        backoff = min(t.lockout_first_seconds * 2 ** min(failures.count - free, 32), t.lockout_max_seconds)
        return max(0.0, failures.last + backoff - now)

    def wait(self, scope: str, caller: Caller) -> float:
        """Seconds before this caller may try again (0: now)."""
        now = self.clock()
        with self._lock:
            return max(self._wait(self._failures.get(k), free, now) for k, free in self._keys(scope, caller))

    def failed(self, scope: str, caller: Caller) -> float:
        """Count a wrong code; returns the seconds the caller must now wait (0 within the allowance)."""
        now = self.clock()
        memory = self.tuning.failure_memory_seconds
        with self._lock:
            for key in [k for k, f in self._failures.items() if now - f.last > memory]:
                del self._failures[key]  # forgotten: keeps the table as small as the recent guessers
            for key, _ in self._keys(scope, caller):
                failures = self._failures.setdefault(key, _Failures())
                failures.count += 1
                failures.last = now
            return max(self._wait(self._failures[k], free, now) for k, free in self._keys(scope, caller))

    def succeeded(self, scope: str, caller: Caller) -> None:
        """A right code: the session's count starts again (the client's does not, so a pupil who knows
        their own code cannot clear the count of their guesses at a classmate's)."""
        with self._lock:
            self._failures.pop((scope, "session", caller.session), None)


@dataclass(frozen=True)
class Attempt:
    """The outcome of trying a code: whether it was right, and how long to wait before the next try."""

    ok: bool
    wait: float = 0.0
    checked: bool = True  # False: refused unchecked, because the caller must still wait

    def message(self, wrong: str) -> str:
        """What to tell the caller after a try that failed: ``wrong`` (when the code was checked) and
        when to try again (when they must wait)."""
        return " ".join(m for m in (wrong if self.checked else "", wait_message(self.wait)) if m)


def attempt(limiter: AttemptLimiter, scope: str, caller: Caller, check: Callable[[], bool]) -> Attempt:
    """Try a code with ``check`` unless the caller must wait; count the outcome.

    While the caller must wait, ``check`` is not called (no hashing for a locked-out guesser).
    """
    wait = limiter.wait(scope, caller)
    if wait > 0:
        return Attempt(False, wait, checked=False)
    if check():
        limiter.succeeded(scope, caller)
        return Attempt(True)
    return Attempt(False, limiter.failed(scope, caller))


def wait_message(seconds: float) -> str:
    """ "Too many wrong tries: try again in 2 minutes." ("" for no wait)."""
    if seconds <= 0:
        return ""
    whole = int(seconds + 0.999)
    if whole <= 90:
        when = f"{whole} second{'s' if whole != 1 else ''}"
    else:
        minutes = (whole + 59) // 60
        when = f"{minutes} minutes"
    return f"Too many wrong tries from here: try again in {when}."


# --- teacher sessions --------------------------------------------------------------------------


def idle_expired(last_active: float, now: float, tuning: AccessTuning | None = None) -> bool:
    """Whether a teacher's session, last used at ``last_active`` (seconds, same clock as ``now``), has
    lasted longer than ``TUNING.access.teacher_idle_minutes`` without use."""
    t = tuning or TUNING.access
    return now - last_active > t.teacher_idle_minutes * 60
