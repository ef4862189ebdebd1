"""The answers written the way pupils write (tests/pupils/): the held-out half and the tuning half.

The held-out half is only checked for shape here (it loads, it is big enough, it covers every
level of every question, the marker's code never refers to it, the split follows its rule): no
bar is pinned on how the marker does on it. Its figures are reported apart by
``benchmarks/pupils.py``.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from marker.engine import load_marker
from marker.validation import load_validation

ROOT = Path(__file__).resolve().parent.parent
PUPILS = ROOT / "tests" / "pupils"
GCSE = ROOT / "tests" / "fixtures" / "import" / "markscheme.yaml"


@pytest.fixture(scope="module")
def gcse_marker():
    """The real pipeline on the two GCSE questions the pupil answers are written to."""
    return load_marker(GCSE)


def _levels(question) -> set[int]:
    """Every level an answer can be given: 0 (nothing creditable) and each band's level."""
    return {0} | {lv.level for lv in question.marking.levels}


def test_pupils_heldout_loads_and_covers_every_level(shipped_marker, gcse_marker):
    held = load_validation(PUPILS / "heldout")
    assert len(held) >= 30
    questions = {a.question for a in held}
    assert questions == {a.question for a in load_validation(PUPILS / "tuning")}
    for qid in questions:
        m = gcse_marker if qid in gcse_marker.bank.questions else shipped_marker
        written = {a.intended_level for a in held if a.question == qid}
        assert written == _levels(m.bank.question(qid)), qid


def test_pupils_answers_carry_a_mark_inside_their_level_and_a_note(shipped_marker, gcse_marker):
    for half in ("heldout", "tuning"):
        for a in load_validation(PUPILS / half):
            m = gcse_marker if a.question in gcse_marker.bank.questions else shipped_marker
            bands = {lv.level: lv.marks for lv in m.bank.question(a.question).marking.levels}
            low, high = bands.get(a.intended_level, (0, 0))
            assert low <= a.intended_mark <= high, (half, a.name)
            assert a.note and a.kind, (half, a.name)


def test_pupils_split_follows_its_rule():
    spec = importlib.util.spec_from_file_location("split_pupils", ROOT / "tools" / "split_pupils.py")
    split = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(split)
    assert split.check(PUPILS) == []


def test_pupils_marker_code_never_refers_to_the_heldout_half():
    # "heldout" is the folder's name; "held out" in prose (calibration's held-out scripts) is not it.
    pattern = re.compile(r"heldout|pupils[/\\]", re.I)
    assert pattern.search("tests/pupils/heldout/x.md") and pattern.search('PUPILS / "heldout"')
    hits = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in sorted((ROOT / "marker").rglob("*"))
        if p.is_file() and p.suffix in {".py", ".yaml", ".yml", ".json", ".md", ".txt", ".jsonl"}
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert hits == []


def test_pupils_tuning_half_levels_within_one_of_the_teacher(shipped_marker, gcse_marker):
    """Golden test on the TUNING half only (no bar is put on the held-out half).

    Measured when the set was added (benchmarks/pupils.py, before any tuning on it): the
    marker's level was within one of the teacher's for 29 of the 33 tuning answers (0.88); the
    misses were strong level-5 and level-4 answers placed two or more levels low. The bar is
    pinned slightly below that, at 0.84 (one more miss allowed), so that a change which makes
    the marker read pupils' writing worse fails here.
    """
    tuning = load_validation(PUPILS / "tuning")
    within = 0
    for qid in sorted({a.question for a in tuning}):
        m = gcse_marker if qid in gcse_marker.bank.questions else shipped_marker
        items = [a for a in tuning if a.question == qid]
        for a, fb in zip(items, m.mark_many(qid, [a.text for a in items]), strict=True):
            within += abs((fb.level or 0) - a.intended_level) <= 1
    assert within / len(tuning) >= 0.84, f"{within} of {len(tuning)} within one level"


def test_pupils_tuning_answers_with_nothing_of_their_own_get_0(shipped_marker):
    """TUNING half: the level-0 answers that only restate the question or say they cannot remember
    get 0 (main gave them 1-2 marks at level 1); the vague level-1 answer that names Germany and a
    (wrong) year keeps a level-1 mark."""
    tuning = {a.name: a for a in load_validation(PUPILS / "tuning")}
    for name in ("ai-blank-start", "rp-dont-know", "rs-question-only"):
        a = tuning[name]
        fb = shipped_marker.mark(a.question, a.text)
        assert (fb.level, fb.mark) == (0, 0), (name, fb.summary)
    vague = tuning["rp-vague-deal"]
    fb = shipped_marker.mark(vague.question, vague.text)
    assert fb.level == 1 and fb.mark >= 1, fb.summary


def test_pupils_tuning_account_told_without_connectives_reaches_level_2(gcse_marker):
    """TUNING half: the 8-mark account told in order with no connective ("the allies handed the
    whites guns tanks and money so they could fight the reds") makes the scheme's points with some
    knowledge, which is what its level 2 describes. Main's ladder asked its lower levels for
    analysis, which no descriptor of an account asks, and gave it the bottom of level 1 (1 mark)
    as an answer that meets no level (teacher: level 2, 4 marks)."""
    a = {a.name: a for a in load_validation(PUPILS / "tuning")}["ia-developed-runon"]
    fb = gcse_marker.mark(a.question, a.text)
    assert fb.ladder[0].reached, fb.summary
    assert fb.level == 2 and fb.mark >= 3, fb.summary


def _stock_after_every_sentence(text: str, stock: str) -> str:
    """The answer with the same empty comment, in a few wordings, after every sentence: a padding
    route that makes every sentence of evidence stand next to an "explanation"."""
    endings = ("a lot", "very much", "hugely", "greatly", "enormously", "so much", "deeply", "in the end")
    sents = re.split(r"(?<=[.!?])\s+", text.strip())
    return " ".join(f"{s} {stock} {endings[i % len(endings)]}." for i, s in enumerate(sents))


def test_pupils_tuning_explained_run_on_answer_lands_in_its_level(shipped_marker):
    """TUNING half, stop 27 (issue 11 item 4): a level-4 answer in one unparagraphed block whose
    explanation makes the mark scheme's points, each backed by the evidence written beside it,
    lands in level 4 (main at 42bf1d7 gave level 3, 14 marks: development 7.85 of 11, counting
    its analytic sentences only). Written twice, it is not lifted."""
    a = {a.name: a for a in load_validation(PUPILS / "tuning")}["rs-analytical-block"]
    assert a.intended_level == 4
    fb = shipped_marker.mark(a.question, a.text)
    assert fb.level == 4, fb.summary
    assert shipped_marker.mark(a.question, a.text + "\n\n" + a.text).mark <= fb.mark


@pytest.mark.parametrize("name", ["ai-narrative-block", "rp-describe-terms", "rs-analytical-block"])
def test_pupils_tuning_stock_comment_after_every_sentence_does_not_climb(shipped_marker, name):
    """TUNING half: an empty comment in the question's words after every sentence makes each
    sentence of evidence stand next to an "explanation"; it must not raise the mark (on main at
    42bf1d7 it lifted rs-analytical-block from 14 to 18 marks, a level)."""
    a = {a.name: a for a in load_validation(PUPILS / "tuning")}[name]
    stock = {
        "allied-intervention": "This was important for the outcome of the Civil War because it mattered",
        "rapallo-significance": "This was significant for Soviet foreign relations because it mattered",
        "recognition-success": "This was important for ending Soviet isolation because it mattered",
    }[a.question]
    plain = shipped_marker.mark(a.question, a.text).mark
    assert shipped_marker.mark(a.question, _stock_after_every_sentence(a.text, stock)).mark <= plain


def test_pupils_tuning_wrong_date_said_with_got_to_is_flagged(shipped_marker):
    """TUNING half, stop 32: the teacher's note on this run-on answer names its slip (Denikin
    reached Orel in October 1919, not 1920), written the way pupils say "reached": "denikin got
    to orel in 1920". The knowledge base's phrasing of the fact knew "reach", "take", "capture" and
    "seize" only, so the slip went unflagged (main at 5d41a01)."""
    a = {a.name: a for a in load_validation(PUPILS / "tuning")}["ai-analytical-nopara"]
    assert "Orel" in a.note
    fb = shipped_marker.mark(a.question, a.text)
    errors = [f for f in fb.fact_issues if f.severity == "error"]
    assert [a.text[f.start : f.end] for f in errors] == ["1920"]
    assert "orel in 1920" in errors[0].sentence and "1919" in errors[0].message


@pytest.mark.parametrize(
    ("name", "level"), [("ai-thesis-strong", 5), ("rp-strong-slips", 5), ("rs-thesis-strong", 4)]
)
def test_pupils_tuning_strong_essays_reach_their_level_or_within_one(shipped_marker, name, level):
    """TUNING half, stop 33 (issue 11 item 4): two level-5 essays end with a one-sentence paragraph
    opened "Therefore ..." / "So ..." that draws its judgement from the weighing paragraph before
    it, and one argues in claims explained after a colon ("Genoa showed the limits: the Soviets
    would not pay ..."). Main at adb05f8 read the first two's judgement as "stated" (the one
    sentence weighed alone: level 4, 19 and 18 marks) and the colon sentences as narrative
    (rs-thesis-strong level 3, 14 marks: analysis 0.27 of 0.35, development 7.3 of 11)."""
    a = {a.name: a for a in load_validation(PUPILS / "tuning")}[name]
    assert a.intended_level == 5
    fb = shipped_marker.mark(a.question, a.text)
    assert fb.level == level, fb.summary


def test_pupils_tuning_one_sentence_summing_up_weighs_only_itself(shipped_marker):
    """TUNING half, stop 33: the judgement draws on the paragraph before only for a conclusion that
    opens by inference ("Therefore ..."); the same sentence opened "Overall," sums up the whole essay
    and weighs its own words, so ai-thesis-strong so rewritten stays at level 4 (as on main)."""
    a = {a.name: a for a in load_validation(PUPILS / "tuning")}["ai-thesis-strong"]
    head, _, last = a.text.rpartition("\n\nTherefore ")
    assert head and last
    assert shipped_marker.mark(a.question, f"{head}\n\nTherefore {last}").level == 5
    assert shipped_marker.mark(a.question, f"{head}\n\nOverall, {last}").level == 4


def test_pupils_tuning_narrative_list_of_events_does_not_reach_level_3(shipped_marker):
    """TUNING half, stop 34: a run-on story of the Comintern, the Spartacists, Hungary and the Polish
    war ("... the spartacist uprising in berlin in january 1919 but it was crushed by the freikorps
    ...") is level 2 for the teacher. Main at 913f188 read each "X, but it was crushed" as a
    counter-argument (balance, and 5 of 6 sentences analytic: development 7.4 of level 3's 6) and
    placed it at level 3, 13 marks."""
    a = {a.name: a for a in load_validation(PUPILS / "tuning")}["er-events-list"]
    assert a.intended_level == 2
    fb = shipped_marker.mark(a.question, a.text)
    assert fb.level == 2, fb.summary


def test_pupils_tuning_answers_about_something_else_get_0(shipped_marker, gcse_marker):
    """TUNING half, stop 35: the level-0 answers about something else get 0, the descriptors' "no
    rewardable material": the Cold War for an essay on 1918-1924 (every year it gives lies outside the
    topic's; stop 34 held it at the bottom of level 1, 1 mark), the Western Front for an account of
    the intervention and the Tsar's execution for why the intervention failed (no point made with its
    cue phrase or concepts, no word of the question's subject; main at f52cc06 gave them 1 and 2 marks)."""
    tuning = {a.name: a for a in load_validation(PUPILS / "tuning")}
    for name, m in (
        ("er-cold-war", shipped_marker),
        ("ia-nothing", gcse_marker),
        ("if-nothing", gcse_marker),
    ):
        a = tuning[name]
        assert a.intended_level == 0
        fb = m.mark(a.question, a.text)
        assert (fb.level, fb.mark) == (0, 0), (name, fb.summary)


@pytest.mark.parametrize(("name", "level"), [("rp-analytical-paras", 4), ("if-complex-paras", 3)])
def test_pupils_tuning_level_4_essays_argued_without_connectives_are_read_as_arguing(
    shipped_marker, gcse_marker, name, level
):
    """TUNING half, stop 35: two level-4 essays argue in sentences the roles read as narrative or as
    lists. rp-analytical-paras explains across two clauses full of names ("The breakthrough with the
    West had really come with the Anglo-Soviet Trade Agreement in 1921, and British recognition in
    1924 was due to the Labour government, not Rapallo.", read as a list of names: level 3, 14 marks
    on main at f52cc06, analysis 0.33 of 0.35 and development 6.6 of 11); if-complex-paras (the GCSE
    16-mark question) opens a sentence with an absolute clause ("With each country guarding its own
    corner there was no joint command ...": level 2, 7 marks on main, analysis 0.29 of 0.35 and
    development 4.9 of 7 for its level 3). Its level 4 needs a substantiated judgement it does not
    write; it keeps level 3 when cut into paragraphs of two sentences, its verdict ("So I agree only
    a little.") then opening the conclusion paragraph after it."""
    a = {a.name: a for a in load_validation(PUPILS / "tuning")}[name]
    assert a.intended_level == 4
    m = gcse_marker if a.question in gcse_marker.bank.questions else shipped_marker
    assert m.mark(a.question, a.text).level == level
    sents = re.split(r"(?<=[.!?])\s+", " ".join(a.text.split()))
    every_two = "\n\n".join(" ".join(sents[i : i + 2]) for i in range(0, len(sents), 2))
    assert m.mark(a.question, every_two).level == level
