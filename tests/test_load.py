"""The app under load, briefly: three students in real browsers press Mark at the same moment.

Runs the harness of ``benchmarks/load.py`` against the real app (its own server on a free
127.0.0.1 port, its own data folder) with N = 3, and checks what must hold whatever the
machine's load: every student gets a mark, of their own answer, saved once under their own
name, and no request leaves 127.0.0.1. The timing is printed, never asserted (that is the
benchmark's business, on a shared and noisy machine). Then two of the students come back in
fresh browsers: each sees their own latest draft and only their own drafts.

Without chromium the tests skip, as the browser tests do (``MARKER_REQUIRE_BROWSER=1`` makes that
a failure).
"""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.browser_harness import chromium_or_skip, load


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_or_skip("the load test")


async def _come_back(url: str, chromium: str, names: list[str]) -> dict[str, dict]:
    """Each student opens the page in a fresh browser and types their name: what they see."""
    from playwright.async_api import async_playwright, expect

    seen = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=load.BROWSER_ARGS)
        for name in names:
            context = await browser.new_context()
            page = await context.new_page()
            await page.goto(url, wait_until="domcontentloaded")
            box = page.get_by_label("Your name or student id", exact=True).and_(page.locator("input"))
            await box.fill(name)
            await box.press("Enter")
            # Their latest saved draft, with its feedback (a single draft has no drafts' chart).
            await expect(page.get_by_text("Your latest saved draft, marked")).to_have_count(1, timeout=60_000)
            mark = page.locator(".marker-mark")
            await expect(mark).to_have_count(1, timeout=30_000)
            answer_box = page.locator('textarea[aria-label="Your answer"]')
            await expect(answer_box).not_to_have_value("", timeout=30_000)  # the draft put back
            seen[name] = {
                "box": await answer_box.input_value(),
                "mark": (await mark.text_content()).strip(),
                "charts": await page.locator(".marker-drafts").count(),
                "answer": await page.evaluate(
                    """() => { const el = document.querySelector(".marker-answer"); let s = "";
                    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
                    while (walk.nextNode()) if (!walk.currentNode.parentElement.closest("sup")) s += walk.currentNode.textContent;
                    return s.replace(/\\s+/g, ""); }"""
                ),
            }
            await context.close()
        await browser.close()
    return seen


def test_load_students_marking_at_once_each_get_their_own_mark_and_see_only_their_drafts(chromium, tmp_path):
    data, texts = tmp_path / "data", load.essays(3)
    with load.app_server(data, tmp_path / "streamlit.log") as (url, pid):
        rnd = asyncio.run(load.drive(url, 3, 120, chromium, pid))
        print("\n" + load.report(rnd))
        load.check_drafts(data, rnd, texts)  # one saved draft each, of their own essay
        assert not rnd.errors, rnd.errors
        assert rnd.ok == 3 and rnd.click_spread is not None and rnd.click_spread < 1.0
        marks = {s.name: s.mark for s in rnd.sessions}
        assert all(re.fullmatch(r"\d+ / 25", m) for m in marks.values()), marks

        seen = asyncio.run(_come_back(url, chromium, ["Student 01", "Student 02"]))
    for name, text in zip(["Student 01", "Student 02"], texts, strict=False):
        mine = seen[name]
        assert mine["box"] == text  # their own latest draft back in the box
        assert mine["answer"] == load.squeezed(text)  # its feedback, of their own answer
        assert mine["mark"] == marks[name] and mine["charts"] == 0  # one draft, theirs: no drafts' chart
    assert seen["Student 01"]["box"] != seen["Student 02"]["box"]
