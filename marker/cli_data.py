"""``marker data export`` and ``marker data import``: a teacher's data carried to another machine.

Registered under ``marker data`` by :mod:`marker.cli`; the work is done by :mod:`marker.transfer`
(the file) and :mod:`marker.transfer_import` (adding it to a data folder).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .cli_common import DataDirOpt, friendly
from .errors import MarkerError
from .help_format import Group, Typer

data_app = Typer(
    cls=Group,
    help="Carry drafts, rubric versions, calibrations and batch jobs to another machine (one file).",
    no_args_is_help=True,
)


def _folder(data_dir: Path | None) -> Path:
    from .store import data_dir as default_data_dir

    folder = data_dir if data_dir is not None else default_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@data_app.command("export")
@friendly
def export(
    file: Annotated[Path, typer.Argument(help="The file to write (a .zip).")],
    data_dir: DataDirOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """Write the data folder's drafts, rubric versions, topics, model answers, calibrations and jobs to FILE."""
    from .transfer import export_data

    if file.exists() and not force:
        raise MarkerError(f"{file} exists: choose another name, or add --force to replace it.")
    if file.is_dir():
        raise MarkerError(
            f"{file} is a folder: give the name of the file to write, e.g. {file / 'marker-data.zip'}."
        )
    exported = export_data(_folder(data_dir), file)
    for line in exported.lines():
        typer.echo(line)


@data_app.command("import")
@friendly
def import_(
    file: Annotated[Path, typer.Argument(help="A file written by 'marker data export'.")],
    data_dir: DataDirOpt = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Import even where records differ from this machine's: differing rubric versions get new "
            "numbers; for the rest this machine's copy is kept.",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be imported; write nothing.")
    ] = False,
) -> None:
    """Add what FILE holds to the data folder: nothing here is replaced, and importing twice adds nothing."""
    from .transfer_import import import_data

    imported = import_data(file, _folder(data_dir), force=force, dry_run=dry_run)
    if dry_run:
        typer.echo("Dry run: nothing was written.")
    for line in imported.lines():
        typer.echo(line)
