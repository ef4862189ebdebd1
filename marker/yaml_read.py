"""Reading YAML quickly: libyaml's parser where PyYAML has it, the pure-Python one as the reference.

Every process that marks reads the question bank first (the app, the CLI, each batch worker):
with PyYAML's pure-Python parser, loading the shipped bank took 1.16-1.39 s of CPU, with
libyaml's 0.08-0.11 s (three loads each, in turn, on this project's 2-core machine; the bank
reads each file two or three times). The pure-Python parser stays the
reference: a text libyaml refuses, or that holds characters the Python reader refuses (control
characters), is read again by it, so errors, and the messages that name their line, are exactly
the ones it gives. ``tests/test_rubric.py`` checks that both read the shipped bank alike.
"""

from __future__ import annotations

from typing import Any

import yaml

#: libyaml's safe loader, when this PyYAML was built with it (its wheels are).
FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def _fast_ok(text: str) -> bool:
    return FAST_LOADER is not None and not yaml.reader.Reader.NON_PRINTABLE.search(text)


def load_and_compose(text: str) -> tuple[Any, yaml.Node | None]:
    """The document's data and its node tree (for the line of each value).

    Raises:
        yaml.YAMLError, RecursionError: as ``yaml.safe_load`` and ``yaml.compose`` with
            PyYAML's pure-Python ``SafeLoader`` raise them.
    """
    if _fast_ok(text):
        try:
            return yaml.load(text, Loader=FAST_LOADER), yaml.compose(text, Loader=FAST_LOADER)
        except Exception:  # noqa: BLE001 - the reference parser below says what is wrong
            pass
    return yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)


def compose(text: str) -> yaml.Node | None:
    """The document's node tree, as :func:`load_and_compose` reads it."""
    if _fast_ok(text):
        try:
            return yaml.compose(text, Loader=FAST_LOADER)
        except Exception:  # noqa: BLE001 - as above
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)
