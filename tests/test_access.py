"""Class mode's core: students' codes hashed and checked in constant time, class lists, limits on guessing."""

from __future__ import annotations

import hmac
import sqlite3

import pytest

from marker import access
from marker.access import (
    AccessError,
    AttemptLimiter,
    Caller,
    attempt,
    check_personal_code,
    choose_code,
    class_mode,
    code_matches,
    hash_code,
    idle_expired,
    issue_codes,
    may_choose_code,
    name_key,
    read_class_list,
    same_secret,
    set_class_mode,
    verify_code,
    wait_message,
)
from marker.store import MIGRATIONS, Store
from marker.tuning import TUNING, AccessTuning

T = TUNING.access


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def store(tmp_path):
    return Store(tmp_path / "m.sqlite3")


@pytest.fixture()
def spy_compare(monkeypatch):
    """Record every call of hmac.compare_digest (the real one still answers)."""
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(access.hmac, "compare_digest", spy)
    return calls


# --- names and hashing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"), [("Ada Lovelace", "ada  lovelace"), ("Lovelace, Ada", "Ada Lovelace"), ("Zoë", "ZOE")]
)
def test_access_name_key_ignores_case_spacing_accents_and_order(a, b):
    assert name_key(a) == name_key(b)
    assert name_key("Ada Lovelace") != name_key("Ada Byron")


def test_access_hash_is_salted_scrypt_and_never_holds_the_code():
    first, second = hash_code("tulip-77"), hash_code("tulip-77")
    assert first != second  # a fresh salt each time
    for stored in (first, second):
        scheme, log2n, r, p, salt, digest = stored.split("$")
        assert (scheme, int(log2n), int(r), p) == ("scrypt", T.scrypt_log2_n, T.scrypt_r, "1")
        assert len(bytes.fromhex(salt)) == T.salt_bytes and len(bytes.fromhex(digest)) == 32
        assert "tulip" not in stored
        assert verify_code("tulip-77", stored)
        assert not verify_code("tulip-78", stored) and not verify_code("Tulip-77", stored)


def test_access_hash_keeps_its_cost_so_older_hashes_still_verify():
    cheap = AccessTuning(scrypt_log2_n=10, scrypt_r=4)
    stored = hash_code("tulip-77", tuning=cheap)
    assert stored.split("$")[1:3] == ["10", "4"]
    assert verify_code("tulip-77", stored)  # checked with its own parameters, not today's tuning


@pytest.mark.parametrize(
    "stored", ["", "scrypt$14$8$1$zz$00", "bcrypt$14$8$1$00$00", "scrypt$40$8$1$00$00", "plain text"]
)
def test_access_malformed_hash_is_never_a_match(stored):
    assert verify_code("anything", stored) is False


def test_access_codes_are_compared_in_constant_time(spy_compare):
    stored = hash_code("tulip-77")
    assert verify_code("tulip-77", stored) and not verify_code("nope-nope", stored)
    assert len(spy_compare) == 2
    assert all(isinstance(a, bytes) and len(a) == len(b) == 32 for a, b in spy_compare)
    # The teacher passcode too, hashed first so that not even its length shows in the timing.
    assert same_secret("s3cret", "s3cret") and not same_secret("s3cre", "s3cret")
    assert len(spy_compare) == 4 and all(len(a) == len(b) == 32 for a, b in spy_compare[2:])


# --- students' own codes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "repeat", "expected"),
    [
        ("tulip77", "tulip78", "The two codes differ"),
        ("tul7", "tul7", "at least 6 characters"),
        ("aaaaaa", "aaaaaa", "at least 3 different characters"),
        ("ababab", "ababab", "at least 3 different characters"),
        ("345678", "345678", "A run such as"),
        ("hgfedc", "hgfedc", "A run such as"),
        ("lovelace1", "lovelace1", "Leave your name out"),
        ("x" * 200 + "yz", "x" * 200 + "yz", "at most 128 characters"),
    ],
)
def test_access_personal_code_easy_to_guess_is_refused_without_echoing_it(code, repeat, expected):
    with pytest.raises(AccessError, match=expected) as caught:
        check_personal_code("Ada Lovelace", code, repeat)
    assert code not in str(caught.value)


def test_access_personal_code_that_is_fine_is_accepted():
    check_personal_code("Ada Lovelace", "tulip77", "tulip77")  # no error


def test_access_choose_code_keeps_only_the_hash_and_the_first_claim(store):
    record = choose_code(store, "  Ada   Lovelace ", "tulip77", "tulip77")
    assert (record.name, record.kind, record.name_key) == ("Ada Lovelace", "personal", "ada lovelace")
    with sqlite3.connect(store.path) as db:
        dumped = "\n".join(db.iterdump())
    assert "tulip77" not in dumped and record.code_hash in dumped
    assert code_matches(record, "tulip77") and not code_matches(record, "tulip78")
    # Another pupil typing the same name another way cannot choose a second code for it.
    assert not may_choose_code(store, "lovelace, ada")
    with pytest.raises(AccessError, match="already has a code"):
        choose_code(store, "lovelace, ada", "daisy99", "daisy99")
    assert verify_code("tulip77", store.student_code("ada lovelace").code_hash)


def test_access_name_with_drafts_from_before_class_mode_needs_a_teachers_code(store, mini_marker):
    store.add_draft("ada lovelace", "old draft", mini_marker.mark("mini-essay", "Rapallo broke isolation."))
    assert not may_choose_code(store, "Ada Lovelace")  # whoever claims it first would get those drafts
    with pytest.raises(AccessError, match="drafts from before class mode"):
        choose_code(store, "Ada Lovelace", "tulip77", "tulip77")
    assert store.student_code("ada lovelace") is None
    assert may_choose_code(store, "Ben Jones")


# --- class lists and issued codes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Ada Lovelace\n\n  Ben   Jones \nLovelace, Cy\n", ["Ada Lovelace", "Ben Jones", "Lovelace, Cy"]),
        ("id,Name,form\n1,Ada Lovelace,7B\n2,Ben Jones,7B\n", ["Ada Lovelace", "Ben Jones"]),
        ("Surname,First name\nLovelace,Ada\nJones,Ben\n", ["Ada Lovelace", "Ben Jones"]),
        ("Student\r\nAda\r\n", ["Ada"]),
    ],
)
def test_access_class_list_is_read_from_lines_or_a_csv(text, names):
    assert read_class_list(text) == names


def test_access_class_list_problems_name_their_lines():
    text = "Ada\nBen\nada\n" + "x" * 150 + "\nCy\u202eD\n"
    with pytest.raises(AccessError) as caught:
        read_class_list(text, "class.csv")
    message = str(caught.value)
    assert message.startswith("class.csv was not used; nothing was saved.")
    assert "line 3: \u2018ada\u2019 is the same name as line 1" in message
    assert "line 4: longer than 100 characters" in message
    assert "line 5: holds control characters" in message


@pytest.mark.parametrize("text", ["", "\n  \n", "name\n"])
def test_access_class_list_without_names_is_refused(text):
    with pytest.raises(AccessError, match="has no names"):
        read_class_list(text)


def test_access_class_list_longer_than_the_limit_is_refused():
    with pytest.raises(AccessError, match="3 names; one list may have at most 2"):
        read_class_list("A\nB\nC\n", tuning=AccessTuning(class_list_max_names=2))


def test_access_issued_codes_open_only_their_names_and_keep_existing_ones(store):
    choose_code(store, "Ada Lovelace", "tulip77", "tulip77")
    progress = []
    issued = issue_codes(
        store,
        ["Ada Lovelace", "Ben Jones", "=cmd|' /C calc'!A0"],
        progress=lambda d, n: progress.append((d, n)),
    )
    assert issued.kept == ["Ada Lovelace"] and [n for n, _ in issued.issued] == [
        "Ben Jones",
        "=cmd|' /C calc'!A0",
    ]
    assert progress == [(1, 2), (2, 2)]
    ben_code = dict(issued.issued)["Ben Jones"]
    assert len(ben_code.replace("-", "")) == T.issued_code_length
    assert set(ben_code.replace("-", "")) <= set(access.ISSUED_ALPHABET)
    ben = store.student_code(name_key("Ben Jones"))
    assert ben.kind == "issued" and ben_code not in ben.code_hash
    # Read leniently (case, spaces, hyphens), and only for Ben.
    assert code_matches(ben, ben_code.lower().replace("-", " "))
    assert not code_matches(store.student_code(name_key("Ada Lovelace")), ben_code)
    assert code_matches(store.student_code(name_key("Ada Lovelace")), "tulip77")  # kept
    rows = issued.csv().splitlines()
    assert rows[0] == "name,code" and rows[1] == f"Ben Jones,{ben_code}"
    assert rows[2].startswith("'=cmd")  # a spreadsheet shows the name, never runs it


def test_access_issuing_again_with_replace_changes_the_code(store):
    (old,) = issue_codes(store, ["Ben Jones"]).issued
    (new,) = issue_codes(store, ["Ben Jones"], replace=True).issued
    record = store.student_code(name_key("Ben Jones"))
    assert code_matches(record, new[1]) and not code_matches(record, old[1])


# --- class mode --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "saved", "on", "source"),
    [
        ({}, None, False, "setting"),
        ({}, True, True, "setting"),
        ({"MARKER_CLASS_MODE": "1"}, False, True, "environment"),
        ({"MARKER_CLASS_MODE": "off"}, True, False, "environment"),
        ({"MARKER_CLASS_MODE": "  "}, True, True, "setting"),
    ],
)
def test_access_class_mode_from_environment_then_setting(store, env, saved, on, source):
    if saved is not None:
        set_class_mode(store, saved)
    mode = class_mode(store, env)
    assert (mode.on, mode.source, mode.problem) == (on, source, None)


def test_access_class_mode_unrecognised_value_is_on_and_says_so(store):
    mode = class_mode(store, {"MARKER_CLASS_MODE": "maybe"})
    assert mode.on and "neither 1 (on) nor 0 (off)" in mode.problem


def test_access_store_migrates_an_older_database_keeping_its_drafts(tmp_path, mini_marker):
    path = tmp_path / "m.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[0])
        db.execute("PRAGMA user_version = 1")
    fb = mini_marker.mark("mini-essay", "Rapallo broke isolation.")
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO drafts (student, question_id, rubric_version, text, mark, max_mark, level, "
            "feedback_json, created_at) VALUES ('Ada', 'mini-essay', 'v', 'a', 1, 2, NULL, ?, 'now')",
            (fb.to_json(indent=None),),
        )
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS) >= 2
    assert [d.text for d in store.drafts("Ada")] == ["a"] and store.students() == ["Ada"]
    assert class_mode(store, {}).on is False and store.student_codes() == []


# --- limiting attempts -------------------------------------------------------------------------


def test_access_limiter_backs_off_after_the_allowance_and_doubles():
    clock = Clock()
    limiter = AttemptLimiter(clock=clock)
    tab = Caller("tab-1", "10.0.0.7")
    waits = [limiter.failed("student", tab) for _ in range(T.session_free_failures)]
    assert waits == [0.0] * (T.session_free_failures - 1) + [T.lockout_first_seconds]
    clock.now += T.lockout_first_seconds - 1
    assert limiter.wait("student", tab) == pytest.approx(1.0)
    clock.now += 1.01
    assert limiter.wait("student", tab) == 0.0
    assert limiter.failed("student", tab) == 2 * T.lockout_first_seconds  # doubled
    for _ in range(20):
        clock.now += limiter.wait("student", tab)
        wait = limiter.failed("student", tab)
    assert wait == pytest.approx(T.lockout_max_seconds)  # capped
    # Scopes are separate: a pupil's guesses do not lock the teacher's passcode out.
    assert limiter.wait("teacher", tab) == 0.0


def test_access_limiter_counts_per_client_across_sessions():
    clock = Clock()
    limiter = AttemptLimiter(clock=clock)
    per_tab = T.session_free_failures - 1  # each new tab stays just within its own allowance
    tabs = [Caller(f"tab-{i}", "10.0.0.7") for i in range(T.client_free_failures // per_tab + 1)]
    waits = [limiter.failed("student", tab) for tab in tabs for _ in range(per_tab)]
    first_wait = next(i for i, w in enumerate(waits) if w)
    assert first_wait == T.client_free_failures - 1 and waits[first_wait] == T.lockout_first_seconds
    assert limiter.wait("student", Caller("a-new-tab", "10.0.0.7")) > 0
    assert limiter.wait("student", Caller("a-new-tab", "10.0.0.8")) == 0.0  # another computer


def test_access_limiter_success_clears_the_session_but_not_the_client():
    clock = Clock()
    limiter = AttemptLimiter(
        clock=clock, tuning=AccessTuning(session_free_failures=3, client_free_failures=4)
    )
    tab = Caller("tab-1", "10.0.0.7")
    for _ in range(2):
        limiter.failed("student", tab)
    limiter.succeeded("student", tab)
    # The session starts again at 0 of 3; the client's count goes on from 2 of 4.
    assert [limiter.failed("student", tab) for _ in range(3)] == [0.0, 30.0, 60.0]


def test_access_limiter_forgets_failures_after_a_quiet_spell():
    clock = Clock()
    limiter = AttemptLimiter(clock=clock)
    tab = Caller("tab-1", "local")
    for _ in range(T.session_free_failures):
        limiter.failed("teacher", tab)
    clock.now += T.lockout_max_seconds + 1  # the lockout is over but the count is remembered
    assert limiter.wait("teacher", tab) == 0.0
    assert limiter.failed("teacher", tab) == 2 * T.lockout_first_seconds
    clock.now += T.failure_memory_seconds + 1
    assert limiter.failed("teacher", tab) == 0.0  # a fresh start
    assert len(limiter._failures) == 2  # the stale entries were dropped, not kept forever


def test_access_attempt_does_not_check_while_the_caller_must_wait():
    clock = Clock()
    limiter = AttemptLimiter(clock=clock, tuning=AccessTuning(session_free_failures=1))
    tab = Caller("tab-1", "local")
    checked = []

    def check(result):
        checked.append(result)
        return result

    first = attempt(limiter, "teacher", tab, lambda: check(False))
    assert (first.ok, first.wait, first.checked) == (False, 30.0, True)
    assert (
        first.message("Not right.") == "Not right. Too many wrong tries from here: try again in 30 seconds."
    )
    refused = attempt(limiter, "teacher", tab, lambda: check(True))
    assert not refused.ok and not refused.checked and checked == [False]  # the right code is not even tried
    assert refused.message("Not right.") == "Too many wrong tries from here: try again in 30 seconds."
    clock.now += 30.5
    assert attempt(limiter, "teacher", tab, lambda: check(True)).ok and checked == [False, True]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, ""),
        (0.2, "1 second."),
        (30, "30 seconds."),
        (89.5, "90 seconds."),
        (91, "2 minutes."),
        (900, "15 minutes."),
    ],
)
def test_access_wait_message_says_when_to_try_again(seconds, text):
    assert wait_message(seconds).endswith(text)


def test_access_teacher_session_expires_after_idle_minutes():
    clock = Clock()
    last = clock()
    clock.now += T.teacher_idle_minutes * 60
    assert not idle_expired(last, clock())
    clock.now += 1
    assert idle_expired(last, clock())
    assert not idle_expired(last, clock(), AccessTuning(teacher_idle_minutes=T.teacher_idle_minutes + 1))


def test_access_tuning_refuses_a_memory_shorter_than_the_longest_lockout():
    with pytest.raises(ValueError, match="failure_memory_seconds"):
        AccessTuning(lockout_max_seconds=7200, failure_memory_seconds=3600)
