"""The `iamwarden` command: a click group and the mapping of errors to exit codes"""

from __future__ import annotations

import sys
from functools import cache
from typing import Any

import click

from iamwarden import __version__
from iamwarden.cli.exit_codes import ExitCode
from iamwarden.errors import IamwardenError
from iamwarden.runtime import tune_garbage_collector

__all__ = ["cli", "main"]


class _Group(click.Group):
    """Loads its commands on first use; turns iamwarden's errors into one line and exit code 2"""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        _register()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        _register()
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IamwardenError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(ExitCode.INPUT_ERROR)


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="""\b
Examples:
  iamwarden assess --demo
  iamwarden assess --help

\b
Exit codes (every command):
  0  done
  1  findings at or above the threshold, an unmet expectation, a lint error
  2  bad usage or bad input (one line on stderr, no traceback)
""",
)
@click.version_option(__version__, prog_name="iamwarden")
def cli() -> None:
    """Assess and harden AWS IAM."""


@cache
def _register() -> None:
    from iamwarden.cli import (
        access_cmd,
        activity_cmd,
        assess_cmd,
        check_cmd,
        checks_cmd,
        collect_cmd,
        history_cmd,
        lint_cmd,
        paths_cmd,
        permissions_cmd,
        rules_cmd,
        simulate_cmd,
        snapshot_cmd,
        watch_cmd,
        who_can_cmd,
    )

    for command in (
        access_cmd.access_command,
        activity_cmd.activity,
        assess_cmd.assess_command,
        check_cmd.check,
        checks_cmd.checks,
        collect_cmd.collect,
        history_cmd.diff_command,
        history_cmd.history_command,
        lint_cmd.lint,
        paths_cmd.paths,
        permissions_cmd.permissions_command,
        rules_cmd.rules,
        simulate_cmd.simulate,
        snapshot_cmd.snapshot,
        watch_cmd.watch_command,
        who_can_cmd.who_can_command,
    ):
        cli.add_command(command)


def main() -> None:
    """Console-script entry point"""
    tune_garbage_collector()
    cli(prog_name="iamwarden")
