"""The command line's errors: each a `click.ClickException` carrying its exit code, as click's own do
(`UsageError` is 2). The library raises or reports; only these decide how a command ends."""
from __future__ import annotations

from typing import IO, Any

import click

from engine.symbolic.witness import DISAGREEMENT
from policy import Diagnostics


class InputError(click.ClickException):
    """An input (a delivery, overrides, an agreement, a pack) has defects: every one is shown, located,
    and nothing is evaluated (exit 1)."""

    exit_code = 1

    def __init__(self, diags: Diagnostics, render: Any) -> None:
        n = len(diags.errors)
        super().__init__(f"{n} error{'s' * (n != 1)}; nothing was evaluated")
        self.diags, self.render = diags, render

    def show(self, file: IO[Any] | None = None) -> None:
        self.render(self.diags)
        click.echo(self.message, err=True)


class NotFound(click.ClickException):
    """What the command was asked about is not in its input (a unit, a huvudman): exit 1, with a hint."""

    exit_code = 1


class EngineError(click.ClickException):
    """The engine and the z3 reading of a pack decide a case differently: an engine error, shown with the
    case (exit 1). It is never a finding about the pack."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(f"engine error: {DISAGREEMENT}: {message}")

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.message, err=True)
