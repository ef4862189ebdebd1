"""The app under load: N students in real browsers press Mark at the same moment.

Starts the real app (``streamlit run app.py``, headless, on a free 127.0.0.1 port, with its
own temporary data folder), then for each N drives N Chromium sessions (one browser, one
context per student, so no cookies or storage are shared) that each type a different name,
paste a different essay of about 600 words (stitched in order from the shipped validation
answers, so no two students send the same sentences) and wait. When every session is ready,
each page clicks Mark itself at the same wall-clock moment (a timer in the page, so the
clicks do not queue behind one another in the driver) and records, in the page, the time
from its click until its feedback is on the screen: the mark and its own answer, marked up.

Each N gets a fresh server (the app keeps the meaning vectors of sentences it has met, so a
second round would be faster than a class's first). Afterwards the data folder is read: every
student must have exactly one saved draft, of their own essay. An error is a session whose
feedback did not come within the time limit, a traceback on the page, another student's
essay shown, or a missing or wrong saved draft.

Only 127.0.0.1 or localhost is ever driven (``--url`` refuses any other host); the number
of sessions and the time are bounded (``--max-sessions``, ``--timeout``, ``--deadline``).
Prints p50/p95/max click-to-feedback per N and the load average; ``--json`` prints JSON.
The browsers share the machine's cores with the server (on a real class each student's
browser is on their own computer), so the figures are pessimistic; the machine is shared, so
they are noisy too.

    .venv/bin/python benchmarks/load.py            # N = 1, 10, 12, 30
    .venv/bin/python benchmarks/load.py 3 --json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOCAL_HOSTS = ("127.0.0.1", "localhost")
QUESTION = "allied-intervention"  # the question the Practise page opens on
WORDS = 600
OPENING = 4  # pages opened at the same time while the students arrive (not timed)
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Every student's page is in front of its student: no timer throttling of "background" pages.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]

# Runs in each page: wait for the shared moment, click Mark, and resolve when this page shows
# a mark and its own essay marked up (or a traceback, or the time limit passes). Only
# textContent is read (no layout), so watching costs the page little.
CLICK_AND_WAIT = r"""
async ({at, own, limit}) => {
  // The answer's own words, without the highlights' labels and with no whitespace (<br> for newlines).
  const words = (el) => {
    let s = "";
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) if (!walk.currentNode.parentElement.closest("sup.marker-label")) s += walk.currentNode.textContent;
    return s.replace(/\s+/g, "");
  };
  const wait = at - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const button = [...document.querySelectorAll("button")].find((b) => b.textContent.trim() === "Mark");
  if (!button) return {error: "no Mark button on the page"};
  const clicked = Date.now();
  const t0 = performance.now();
  // As a mouse click does, the button takes the focus from the answer box (whose blinking caret
  // otherwise redraws every page while it waits: 15-20% of the browsers' CPU with 12 at once).
  button.focus();
  button.click();
  const check = () => {
    const exc = document.querySelector('[data-testid="stException"]');
    if (exc) return {error: "traceback: " + exc.textContent.slice(0, 200)};
    // The mark: drawn as HTML since issue 17 (a Streamlit metric before, so older checkouts compare).
    const metric = document.querySelector('.marker-mark, [data-testid="stMetricValue"]');
    const answer = document.querySelector(".marker-answer");
    if (metric && /\/\s*\d+/.test(metric.textContent) && answer) {
      if (words(answer) !== own) return {error: "another answer is shown", mark: metric.textContent};
      return {mark: metric.textContent.trim()};
    }
    return null;
  };
  return await new Promise((resolve) => {
    let timer = null;
    const observer = new MutationObserver(() => {
      const found = check();
      if (found) finish(found);
    });
    const finish = (found) => {
      observer.disconnect();
      clearTimeout(timer);
      resolve({...found, seconds: (performance.now() - t0) / 1000, clicked});
    };
    observer.observe(document.body, {childList: true, subtree: true, characterData: true});
    timer = setTimeout(() => finish({error: "no feedback within " + limit / 1000 + " s"}), limit);
  });
}
"""


@dataclass
class Session:
    """One student's click-to-feedback."""

    name: str
    seconds: float | None = None
    mark: str | None = None
    error: str | None = None
    clicked: float | None = None  # epoch ms of the click, to show how close together they were


@dataclass
class Round:
    """The figures for one N."""

    n: int
    ok: int
    errors: list[str]
    p50: float | None
    p95: float | None
    max: float | None
    mean: float | None
    click_spread: float | None  # seconds between the first and the last click
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    server_cpu: float | None  # CPU seconds the server used from the clicks to the last feedback
    browser_cpu: float | None  # CPU seconds the browsers (and their driver) used meanwhile
    sessions: list[Session] = field(default_factory=list)


# ---------------------------------------------------------------------- essays


def essays(n: int, words: int = WORDS) -> list[str]:
    """``n`` different essays of about ``words`` words, ending on a sentence.

    Paragraphs of the question's validation answers are taken in order, essay after essay,
    so no two essays share a paragraph until the set runs out (then it starts again one
    paragraph on, so the essays still differ).
    """
    from marker.validation import load_validation

    paragraphs = [
        p.strip()
        for a in sorted(load_validation(question=QUESTION), key=lambda a: a.name)
        for p in a.text.split("\n\n")
        if p.strip()
    ]
    out, k, size = [], 0, len(paragraphs)
    for _ in range(n):
        chosen, count = [], 0
        while count < words:
            para = paragraphs[(k + k // size) % size]
            k += 1
            chosen.append(para)
            count += len(para.split())
        out.append(_trim("\n\n".join(chosen), words))
    return out


def _trim(text: str, words: int) -> str:
    """The text cut at the last sentence end within ``words`` words."""
    ends = [m.end() for m in re.finditer(r"\S+", text)]
    cut = text[: ends[min(words, len(ends)) - 1]]
    last = max(cut.rfind(". "), cut.rfind(".\n"), cut.rfind("."))
    return cut[: last + 1] if last > len(cut) // 2 else cut


def squeezed(text: str) -> str:
    """An essay without whitespace, as the page compares it (the marked-up answer draws newlines as <br>)."""
    return "".join(text.split())


# ---------------------------------------------------------------------- the server


def check_local(url: str) -> str:
    """The URL, if its host is this machine; anything else is refused."""
    host = urlsplit(url).hostname
    if urlsplit(url).scheme != "http" or host not in LOCAL_HOSTS:
        raise SystemExit(f"load.py drives only http://127.0.0.1 or http://localhost, not {url!r}")
    return url.rstrip("/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_server(
    data_dir: Path, log_path: Path, app_dir: Path = ROOT, start_timeout: float = 120
) -> Iterator[tuple[str, int]]:
    """The real app of ``app_dir`` on a free loopback port with its own data folder: (URL, process id).

    Streamlit puts the script's folder first on the path, so ``app_dir``'s own ``marker`` is served.
    """
    port = free_port()
    env = {
        **os.environ,
        "MARKER_DATA_DIR": str(data_dir),
        "STREAMLIT_SERVER_PORT": str(port),
        "STREAMLIT_SERVER_ADDRESS": "127.0.0.1",
        "STREAMLIT_SERVER_HEADLESS": "true",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    env.pop("MARKER_TEACHER_PASSCODE", None)
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py"],
            cwd=app_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + start_timeout
            while not _healthy(url):
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited before serving the app (log: {log_path})")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start within {start_timeout:.0f} s")
                time.sleep(0.5)
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process and its threads (Linux /proc), else None."""
    fields = _stat(pid) if pid is not None else None
    return None if fields is None else (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def browser_cpu_seconds(server: int | None) -> float | None:
    """CPU time of this process's descendants other than the server (the browsers and their driver)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    mine, grew = {os.getpid()}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in mine and pid != server} - mine
        mine |= found
        grew = bool(found)
    times = [cpu_seconds(pid) for pid in mine - {os.getpid()}]
    return round(sum(t for t in times if t is not None), 1) if parents else None


# ---------------------------------------------------------------------- the browsers


def find_chromium() -> str | None:
    if found := shutil.which("chromium"):
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


async def open_session(
    browser, url: str, name: str, essay: str, timeout: float, requests: list[str] | None = None
):
    """A student's own browser context, with their name typed and their essay pasted.

    Every URL the context asks for (its pages and frames) is added to ``requests``.
    """
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    if requests is not None:
        context.on("request", lambda request: requests.append(request.url))
    page = await context.new_page()
    page.set_default_timeout(timeout * 1000)
    await page.goto(url, wait_until="domcontentloaded")
    box = page.get_by_label("Your name or student id", exact=True).and_(page.locator("input"))
    await box.fill(name)
    await box.press("Enter")
    answer = page.locator('textarea[aria-label="Your answer"]')
    await expect(answer).to_have_count(1, timeout=timeout * 1000)
    await expect(page.get_by_role("button", name="Mark", exact=True)).to_be_enabled(timeout=timeout * 1000)
    await answer.fill(essay)
    await expect(answer).to_have_value(essay, timeout=timeout * 1000)
    return context, page


async def warm_up(browser, url: str, timeout: float) -> None:
    """Open the page once and wait until it is drawn, so the first run (loading spaCy) is not timed."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(url, wait_until="domcontentloaded")
    await (
        page.get_by_label("Your name or student id", exact=True)
        .and_(page.locator("input"))
        .wait_for(timeout=timeout * 1000)
    )
    await context.close()


async def drive(url: str, n: int, timeout: float, chromium: str, pid: int | None) -> Round:
    """N students mark at once against the app at ``url``; their figures (drafts not yet checked)."""
    from playwright.async_api import async_playwright

    texts = essays(n)
    names = [f"Student {i + 1:02d}" for i in range(n)]
    requests: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        try:
            await warm_up(browser, url, max(timeout, 120))
            # Students arrive a few at a time; only the marking is timed, all at once.
            gate = asyncio.Semaphore(OPENING)
            opened = await asyncio.gather(
                *(
                    _opened(gate, browser, url, nm, tx, timeout, requests)
                    for nm, tx in zip(names, texts, strict=True)
                )
            )
            await asyncio.sleep(1.0)  # let every page settle after its paste, as a student would
            load_before = os.getloadavg()
            at = time.time() * 1000 + 1500
            cpu0, bcpu0 = cpu_seconds(pid), browser_cpu_seconds(pid)
            results = await asyncio.gather(
                *(click_and_wait(page, at, tx, timeout) for page, tx in zip(opened, texts, strict=True))
            )
            cpu1, bcpu1 = cpu_seconds(pid), browser_cpu_seconds(pid)
            load_after = os.getloadavg()
        finally:
            await browser.close()
    sessions = [
        Session(nm, r.get("seconds"), r.get("mark"), r.get("error"), r.get("clicked"))
        for nm, r in zip(names, results, strict=True)
    ]
    server_cpu = None if cpu0 is None or cpu1 is None else round(cpu1 - cpu0, 1)
    browser_cpu = None if bcpu0 is None or bcpu1 is None else round(bcpu1 - bcpu0, 1)
    rnd = summarise(n, sessions, (load_before, load_after), (server_cpu, browser_cpu))
    if off := off_the_machine(requests):
        rnd.errors.append(f"requests left this machine: {', '.join(off[:5])}")
    return rnd


def off_the_machine(urls: list[str]) -> list[str]:
    """The URLs (web and websocket) whose host is not this machine."""
    return sorted(
        {
            u
            for u in urls
            if urlsplit(u).scheme in ("http", "https", "ws", "wss")
            and urlsplit(u).hostname not in LOCAL_HOSTS
        }
    )


async def _opened(
    gate: asyncio.Semaphore, browser, url: str, name: str, essay: str, timeout: float, requests
):
    """A student's page, ready to mark, or why it could not be opened (a string)."""
    async with gate:
        try:
            return (await open_session(browser, url, name, essay, max(timeout, 60), requests))[1]
        except Exception as exc:  # a page that never opened is that student's error, not the run's
            return f"the page did not open: {str(exc).splitlines()[0]}"


async def click_and_wait(page, at: float, essay: str, timeout: float) -> dict:
    """Click Mark at ``at`` (epoch ms) in the page and wait for its own feedback: seconds, mark, error."""
    if isinstance(page, str):
        return {"error": page}
    try:
        return await page.evaluate(
            CLICK_AND_WAIT, {"at": at, "own": squeezed(essay), "limit": timeout * 1000}
        )
    except Exception as exc:
        return {"error": f"the page failed: {str(exc).splitlines()[0]}"}


def summarise(n: int, sessions: list[Session], loads: tuple, cpu: tuple) -> Round:
    times = sorted(s.seconds for s in sessions if s.error is None and s.seconds is not None)
    clicks = [s.clicked for s in sessions if s.clicked is not None]
    return Round(
        n=n,
        ok=len(times),
        errors=[f"{s.name}: {s.error}" for s in sessions if s.error],
        p50=round(statistics.median(times), 2) if times else None,
        p95=round(_nearest_rank(times, 0.95), 2) if times else None,
        max=round(times[-1], 2) if times else None,
        mean=round(statistics.fmean(times), 2) if times else None,
        click_spread=round((max(clicks) - min(clicks)) / 1000, 2) if clicks else None,
        load_before=tuple(round(x, 2) for x in loads[0]),
        load_after=tuple(round(x, 2) for x in loads[1]),
        server_cpu=cpu[0],
        browser_cpu=cpu[1],
        sessions=sessions,
    )


def _nearest_rank(sorted_values: list[float], q: float) -> float:
    """The nearest-rank percentile (of 12 values, p95 is the 12th: the slowest)."""
    k = max(1, -(-int(q * 100) * len(sorted_values) // 100))
    return sorted_values[k - 1]


def check_drafts(data_dir: Path, rnd: Round, texts: list[str]) -> None:
    """Every student has exactly one saved draft, of their own essay; anything else is an error."""
    from marker.store import Store

    store = Store(data_dir / "marker.sqlite3")
    for s, text in zip(rnd.sessions, texts, strict=True):
        drafts = store.drafts(s.name, QUESTION)
        if len(drafts) != 1 or drafts[0].text.split() != text.split():
            problem = f"{s.name}: {len(drafts)} saved drafts" + (
                "" if len(drafts) != 1 else " (not their essay)"
            )
            rnd.errors.append(problem)
            if s.error is None:
                rnd.ok -= 1


# ---------------------------------------------------------------------- running


def run_round(n: int, timeout: float, chromium: str, url: str | None = None, app_dir: Path = ROOT) -> Round:
    """One N against a fresh app (or against ``url``, an app already running on this machine)."""
    with tempfile.TemporaryDirectory(prefix="marker-load-") as tmp:
        data = Path(tmp) / "data"
        if url is not None:
            return asyncio.run(drive(check_local(url), n, timeout, chromium, None))
        with app_server(data, Path(tmp) / "streamlit.log", app_dir) as (served, pid):
            rnd = asyncio.run(drive(served, n, timeout, chromium, pid))
        check_drafts(data, rnd, essays(n))
        return rnd


def report(rnd: Round) -> str:
    def s(x):
        return "-" if x is None else f"{x:.2f} s"

    la, lb = rnd.load_before, rnd.load_after
    lines = [
        f"N={rnd.n:>3}  ok {rnd.ok}/{rnd.n}  p50 {s(rnd.p50)}  p95 {s(rnd.p95)}  max {s(rnd.max)}"
        f"  (clicks within {s(rnd.click_spread)}; CPU: server {rnd.server_cpu} s, browsers {rnd.browser_cpu} s;"
        f" load average {la[0]:.2f} before, {lb[0]:.2f} after)"
    ]
    lines += [f"       error: {e}" for e in rnd.errors]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "n", nargs="*", type=int, default=[1, 10, 12, 30], help="students at once (default 1 10 12 30)"
    )
    ap.add_argument(
        "--timeout", type=float, default=120, help="seconds one student waits before it is an error"
    )
    ap.add_argument(
        "--deadline", type=float, default=1800, help="stop starting rounds after this many seconds"
    )
    ap.add_argument("--max-sessions", type=int, default=60, help="refuse any N above this")
    ap.add_argument("--url", help="an app already running on this machine (127.0.0.1 or localhost only)")
    ap.add_argument(
        "--json", action="store_true", help="print the figures as JSON (the summary goes to stderr)"
    )
    ap.add_argument(
        "--app-dir",
        type=Path,
        default=ROOT,
        help="the checkout whose app.py to serve (default: this one), to compare before and after a change",
    )
    args = ap.parse_args(argv)
    if args.url:
        check_local(args.url)
    if any(n < 1 or n > args.max_sessions for n in args.n):
        ap.error(f"each N must be between 1 and --max-sessions ({args.max_sessions})")
    chromium = find_chromium()
    if chromium is None:
        print("chromium is not installed (apt-get install chromium fonts-dejavu-core)", file=sys.stderr)
        return 2
    started, rounds = time.monotonic(), []
    for n in args.n:
        if time.monotonic() - started > args.deadline:
            print(f"deadline of {args.deadline:.0f} s passed: N={n} not run", file=sys.stderr)
            break
        rnd = run_round(n, args.timeout, chromium, args.url, args.app_dir)
        rounds.append(rnd)
        print(report(rnd), file=sys.stderr if args.json else sys.stdout, flush=True)
    if args.json:
        print(json.dumps([asdict(r) for r in rounds], indent=2))
    return 0 if all(not r.errors for r in rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
