"""What the browser tests share with ``benchmarks/load.py``: the app on a free loopback port with
its own data folder, Debian's chromium (or a skip saying how to install it), the browser's flags
and the check that no request left the machine. The benchmark is loaded as a module, so the
tests drive the app exactly as it does."""

from __future__ import annotations

import os

import pytest

from tests.load_script import load_script

# Debian's chromium: Playwright cannot download its own browsers here.
INSTALL_CHROMIUM = "apt-get install chromium fonts-dejavu-core"


def _load_harness():
    return load_script("benchmarks/load.py", "bench_load")


load = _load_harness()


def chromium_or_skip(purpose: str) -> str:
    """The browser's path; without one the test skips, unless CI requires it (MARKER_REQUIRE_BROWSER=1)."""
    path = load.find_chromium()
    if path is None:
        reason = f"chromium is not installed; to run {purpose}, as root: {INSTALL_CHROMIUM}"
        if os.environ.get("MARKER_REQUIRE_BROWSER") == "1":
            pytest.fail(f"MARKER_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return path
