"""Help screens for the ``marker`` command line that show no type tags.

Typer prints a type beside every parameter in ``--help`` ("<bool>" beside a flag, "<path>"
beside a file, "TEXT" in older versions), which reads as noise to a teacher. Typer has no
setting to hide them, so the commands and groups here list their parameters with a class
that shows the option's metavar instead ("--out FOLDER") and nothing for a flag or an
argument (whose help says what to give).
"""

from __future__ import annotations

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


class _UntaggedArgument(TyperArgument):
    def display_type_rich(self, ctx) -> str | None:
        return None


class _UntaggedOption(TyperOption):
    def display_type_rich(self, ctx) -> str | None:
        return self.metavar or ("" if self.is_flag else self.name.upper())


def _untagged(params: list) -> list:
    """The parameters shown in --help without typer's type tags ("<bool>", "<path>", "TEXT").

    Typer has no setting to hide them, so each parameter is given a class that shows its
    metavar instead ("--out FOLDER"), or nothing for a flag or an argument.
    """
    for param in params:
        if type(param) is TyperArgument:
            param.__class__ = _UntaggedArgument
        elif type(param) is TyperOption:
            param.__class__ = _UntaggedOption
    return params


class Command(TyperCommand):
    def get_params(self, ctx) -> list:
        return _untagged(super().get_params(ctx))


class Group(TyperGroup):
    def get_params(self, ctx) -> list:
        return _untagged(super().get_params(ctx))


class Typer(typer.Typer):
    """A typer app whose commands' --help shows no type tags."""

    def command(self, *args, **kwargs):
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)


__all__ = ["Command", "Group", "Typer"]
