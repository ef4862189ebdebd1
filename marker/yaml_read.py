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


def _read(text: str, loader_class: type, construct: bool) -> tuple[Any, yaml.Node | None]:
    """One parse: the node tree and, if ``construct``, the data built from it (as ``yaml.load``)."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if construct and node is not None else None), node
    finally:
        loader.dispose()


def _parse(text: str, construct: bool) -> tuple[Any, yaml.Node | None]:
    if _fast_ok(text):
        try:
            return _read(text, FAST_LOADER, construct)
        except Exception:  # noqa: BLE001 - the reference parser below says what is wrong
            pass
    return _read(text, yaml.SafeLoader, construct)


def load_and_compose(text: str) -> tuple[Any, yaml.Node | None]:
    """The document's data and its node tree (for the line of each value), from one parse.

    Raises:
        yaml.YAMLError, RecursionError: as ``yaml.safe_load`` and ``yaml.compose`` with
            PyYAML's pure-Python ``SafeLoader`` raise them.
    """
    return _parse(text, construct=True)


def compose(text: str) -> yaml.Node | None:
    """The document's node tree, as :func:`load_and_compose` reads it."""
    return _parse(text, construct=False)[1]
