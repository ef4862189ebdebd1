"""The whole app in a real headless browser: Debian's chromium driven by Playwright.

Starts ``streamlit run app.py`` on a free loopback port with its own data folder, marks a
600-word essay through the page and prints the time from the click to the feedback on screen,
marks a redraft with Ctrl+Enter, checks that no request left 127.0.0.1, and saves a screenshot under
``tests/artifacts/`` (git-ignored; the README's picture is a copy of it). Without chromium the
tests skip, saying how to install it, so ``make test`` needs no root; CI installs it and sets
``MARKER_REQUIRE_BROWSER=1``, which makes a missing browser a failure.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser_harness import chromium_or_skip, load

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
ANSWER = (
    "The Allied intervention had only a limited impact on the outcome of the Civil War. After the Treaty of "
    "Brest-Litovsk, signed in 1919, Britain landed troops at Murmansk and Archangel to reopen the Eastern Front.\n\n"
    "Allied supplies helped Denikin reach Orel in 1919, so the intervention prolonged the war. However, the "
    "forces were small and poorly coordinated, and most had withdrawn by 1920.\n\n"
    "The Bolsheviks used the intervention as propaganda, presenting themselves as defenders of Russia against "
    "foreign imperialists. Trotsky's Red Army and White disunity mattered more, so the intervention was a "
    "secondary factor in the Red victory."
)


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_or_skip("the browser tests")


@pytest.fixture(scope="module")
def app_url(chromium, tmp_path_factory):
    data, log = tmp_path_factory.mktemp("data"), tmp_path_factory.mktemp("log") / "streamlit.log"
    with load.app_server(data, log) as (url, _pid):
        yield url


def _essay() -> str:
    """A 600-word answer (the first 600 words of a validation essay, ending on a full stop)."""
    from marker.validation import load_validation

    text = next(a.text for a in load_validation(question="allied-intervention") if a.name == "12-exemplar")
    end = [m.end() for m in re.finditer(r"\S+", text)][599]
    return text[:end].rstrip(".,;:") + "."


def _record_requests(page) -> list[str]:
    """Every URL the page (and its frames) asks for, to check that nothing leaves the machine."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def test_browser_marks_an_answer_and_saves_a_screenshot(chromium, app_url):
    ARTIFACTS.mkdir(exist_ok=True)
    essay = _essay()
    with sync_playwright() as pw:
        # The load benchmark's flags: no network of the browser's own, no background throttling.
        browser = pw.chromium.launch(executable_path=chromium, args=load.BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        requests = _record_requests(page)
        page.goto(app_url, wait_until="domcontentloaded")
        name = page.get_by_label("Your name or student id", exact=True).and_(page.locator("input"))
        # The first run of the page loads spaCy: allow for a busy machine.
        expect(name).to_be_visible(timeout=90_000)
        # A student's app: no Deploy button (client.toolbarMode in .streamlit/config.toml).
        expect(page.get_by_test_id("stAppDeployButton")).to_have_count(0)
        name.fill("Ada")
        name.press("Enter")
        expect(
            page.get_by_role("heading", name="Assess the impact of the Allied intervention")
        ).to_be_visible()
        answer = page.locator('textarea[aria-label="Your answer"]')
        expect(answer).to_have_count(1, timeout=30_000)  # the previous question's box has gone
        answer.fill(essay)
        expect(answer).to_have_value(essay)
        # The live word count follows the typing before anything is sent to the server.
        count = page.frame_locator("iframe").first.locator("#wc")
        expect(count).to_have_text("600 words")
        # A mark left on the count's frame: it is gone if the frame is loaded again (it was, on every Mark).
        frame = next(f for f in page.frames if f.url == "about:srcdoc")
        frame.evaluate("() => { window.keptAcrossMark = true; }")

        # Click to feedback for a 600-word essay: the mark and the marked-up answer on the screen.
        # As a student would, click once the pasted text is in the box (the browser has drawn it).
        page.wait_for_timeout(1000)
        # Timed inside the page, as the load benchmark does: from the click to the moment the mark
        # and this essay, marked up, are in the page (Playwright's polling would add its own steps).
        timing = page.evaluate(
            load.CLICK_AND_WAIT, {"at": time.time() * 1000, "own": load.squeezed(essay), "limit": 60_000}
        )
        metric = page.locator(".marker-mark")
        try:
            assert "error" not in timing, timing
            expect(metric).to_contain_text("/ 25")
            expect(page.locator(".marker-answer")).to_contain_text(essay[-40:])
        except AssertionError:
            page.screenshot(path=str(ARTIFACTS / "failure.png"), full_page=True)
            raise
        seconds = timing["seconds"]
        print(
            f"\nclick-to-feedback for a {len(essay.split())}-word essay: {seconds:.2f} s"
            f" (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
        assert seconds < 15, f"click-to-feedback took {seconds:.1f} s"
        assert frame.evaluate("() => window.keptAcrossMark") is True
        # The feedback's spans and cells are styled by classes, from the stylesheet drawn once with the
        # question (not a style attribute on each): the colours and underlines still reach them.
        look = (
            "(s) => { const c = getComputedStyle(document.querySelector(s));"
            " return [c.backgroundColor, c.textDecorationStyle, c.display]; }"
        )
        assert page.evaluate(look, ".marker-answer .marker-credited")[:2] == ["rgb(216, 243, 220)", "solid"]
        assert page.evaluate(look, ".marker-credited-row .marker-status")[0] == "rgb(216, 243, 220)"
        assert page.evaluate(look, ".marker-roles .marker-role-analysis")[::2] == [
            "rgb(165, 216, 255)",
            "inline-block",
        ]
        expect(count).to_have_text("600 words")
        # The answer marked up and the checklist, under the answer box, are laid out and painted once
        # scrolled to (content-visibility), not while the page waits; their text is in the page already.
        shown = "(s) => document.querySelector(s).checkVisibility({contentVisibilityAuto: true})"
        assert page.evaluate(shown, ".marker-checklist") is False
        page.locator(".marker-checklist").scroll_into_view_if_needed()
        page.wait_for_function(shown, arg=".marker-checklist")
        assert page.evaluate(shown, ".marker-checklist") is True
        # The levels ladder opens from the keyboard too (a <details> in the feedback, no rerun).
        ladder = page.locator(".marker-ladder")
        expect(ladder).to_be_hidden()
        page.locator("summary", has_text="Why this level?").focus()
        page.keyboard.press("Enter")
        expect(ladder).to_be_visible()
        expect(ladder).to_contain_text("Level 1")

        # A redraft, marked with Ctrl+Enter in the answer box (as the placeholder says).
        answer.fill(ANSWER)
        answer.press("Control+Enter")
        expect(page.locator(".marker-answer")).to_contain_text("secondary factor in the Red victory")
        expect(page.locator(".marker-delta")).to_contain_text("since your previous draft")
        expect(page.locator(".marker-credited").first).to_be_visible()
        expect(page.get_by_text("does not fit Treaty of Brest-Litovsk").first).to_be_visible()
        # A Mark reruns the answer and feedback alone: the count follows the redraft, both drafts are
        # charted with the change between them, and the name and question above are still there.
        expect(count).to_have_text(f"{len(ANSWER.split())} words")
        expect(page.locator(".marker-drafts")).to_have_attribute(
            "aria-label", re.compile(r"oldest first: \d+, \d+ \(out of 25\)")
        )
        expect(page.locator(".marker-change")).to_contain_text("Since your previous draft")
        expect(
            page.get_by_label("Your name or student id", exact=True).and_(page.locator("input"))
        ).to_have_value("Ada")
        expect(
            page.get_by_role("heading", name="Assess the impact of the Allied intervention")
        ).to_be_visible()
        expect(page.get_by_role("heading", name="Mark scheme checklist")).to_be_visible()
        # Streamlit scrolls inside its own container, so a tall window shows the whole page.
        page.set_viewport_size({"width": 1400, "height": 2300})
        page.wait_for_timeout(1500)  # let the page settle
        page.screenshot(path=str(ARTIFACTS / "practice.png"))
        browser.close()
    assert not load.off_the_machine(requests), load.off_the_machine(requests)
    assert any(urlsplit(u).hostname == "127.0.0.1" for u in requests)  # the recording saw the page
    assert (ARTIFACTS / "practice.png").stat().st_size > 20_000


def test_browser_batch_marks_an_uploaded_class_set(chromium, app_url, tmp_path):
    """Upload a CSV class set on the Batch marking page; the results and class analytics appear."""
    import csv

    from marker.validation import load_validation

    answers = sorted(load_validation(question="allied-intervention"), key=lambda a: a.name)[:12]
    names = ["Ada", "Ben", "Cai", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kit", "Lou"]
    table = tmp_path / "class-set.csv"
    with table.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "question_id", "answer"])
        for name, a in zip(names, answers, strict=True):
            w.writerow([name, "allied-intervention", a.text])
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        requests = _record_requests(page)
        page.goto(app_url + "/batch", wait_until="domcontentloaded")
        # When this test is the app's first visitor (pytest-xdist may run it first), its first run
        # loads spaCy and the bank: allow for a busy machine, as the practice page's test does.
        expect(page.get_by_role("heading", name="Batch marking")).to_be_visible(timeout=90_000)
        page.locator('input[type="file"]').set_input_files(str(table))
        button = page.get_by_role("button", name="Mark the batch")
        expect(button).to_be_enabled(timeout=30_000)
        button.click()
        try:
            expect(page.get_by_role("heading", name="How the class did")).to_be_visible(timeout=120_000)
        except AssertionError:
            page.screenshot(path=str(ARTIFACTS / "batch-failure.png"), full_page=True)
            raise
        # Every script marked: the first metric ("Marked") shows 12.
        expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("12")
        page.get_by_role("heading", name="How the class did").scroll_into_view_if_needed()
        page.set_viewport_size({"width": 1400, "height": 2600})
        page.wait_for_timeout(2000)  # let the charts finish drawing
        page.screenshot(path=str(ARTIFACTS / "class-analytics.png"))
        browser.close()
    assert not load.off_the_machine(requests), load.off_the_machine(requests)
    assert (ARTIFACTS / "class-analytics.png").stat().st_size > 20_000
