"""What every ``marker`` command module shares: the ``--data-dir`` option and the error handling
that turns a :class:`~marker.errors.MarkerError` into a message and exit status 2."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import typer

from .errors import MarkerError

DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        metavar="FOLDER",
        help="The data folder (teachers' rubric versions, calibrations, drafts, batch jobs); "
        "default $MARKER_DATA_DIR, else the per-user data folder.",
        show_default=False,
    ),
]


def friendly(func):
    """Show a MarkerError's message (never a traceback) and exit with status 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except MarkerError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper
