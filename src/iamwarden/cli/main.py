"""The `iamwarden` command: a click group and the mapping of errors to exit codes"""

from __future__ import annotations

import errno
import importlib
import io
import os
import sys
from collections.abc import Mapping
from typing import Any

import click

from iamwarden import __version__
from iamwarden.cli.exit_codes import ExitCode
from iamwarden.errors import IamwardenError
from iamwarden.runtime import tune_garbage_collector

__all__ = ["cli", "main"]


# name -> (module of iamwarden.cli, attribute): a command's module is imported only when
# the command runs (or help lists it), so `iamwarden lint` never loads boto3 or DuckDB
_COMMANDS: Mapping[str, tuple[str, str]] = {
    "access": ("access_cmd", "access_command"),
    "activity": ("activity_cmd", "activity"),
    "assess": ("assess_cmd", "assess_command"),
    "check": ("check_cmd", "check"),
    "checks": ("checks_cmd", "checks"),
    "collect": ("collect_cmd", "collect"),
    "diff": ("history_cmd", "diff_command"),
    "history": ("history_cmd", "history_command"),
    "lint": ("lint_cmd", "lint"),
    "paths": ("paths_cmd", "paths"),
    "permissions": ("permissions_cmd", "permissions_command"),
    "rules": ("rules_cmd", "rules"),
    "simulate": ("simulate_cmd", "simulate"),
    "snapshot": ("snapshot_cmd", "snapshot"),
    "watch": ("watch_cmd", "watch_command"),
    "who-can": ("who_can_cmd", "who_can_command"),
}


class _Group(click.Group):
    """Loads each command's module on first use; turns iamwarden's errors into one line and
    exit code 2"""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = _COMMANDS.get(cmd_name)
        if found is None:
            return None
        module, attribute = found
        command = getattr(importlib.import_module(f"iamwarden.cli.{module}"), attribute)
        assert isinstance(command, click.Command)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IamwardenError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(ExitCode.INPUT_ERROR)
        except OSError as error:
            if error.errno not in _OUTPUT_ERRNOS:
                raise
            # standard output is full or gone (`> /dev/full`, a closed pipe): one line, and
            # standard output pointed at the null device so that the exit flush fails no more
            _silence_stdout()
            if error.errno != errno.EPIPE:
                click.echo(f"error: cannot write the output: {error.strerror}", err=True)
            sys.exit(ExitCode.INPUT_ERROR)


_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EDQUOT})


def _silence_stdout() -> None:
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):  # no file descriptor behind sys.stdout (a test runner)
        pass


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


class _ReaderGoneStdout(io.TextIOWrapper):
    """Standard output that, once its reader has gone (`| head -1` closed the pipe), sends
    the rest to the null device: the command runs to its end and keeps its exit status (1
    for findings), where the broken pipe would have ended it with 2"""

    def write(self, text: str) -> int:
        try:
            return super().write(text)
        except BrokenPipeError:
            _silence_stdout()
            return len(text)

    def flush(self) -> None:
        try:
            super().flush()
        except BrokenPipeError:
            _silence_stdout()
            super().flush()  # what the pipe refused goes to the null device


def main() -> None:
    """Console-script entry point"""
    tune_garbage_collector()
    stdout = sys.stdout
    if isinstance(stdout, io.TextIOWrapper):
        sys.stdout = _ReaderGoneStdout(
            stdout.buffer,
            encoding=stdout.encoding,
            errors=stdout.errors,
            line_buffering=stdout.line_buffering,
            write_through=stdout.write_through,
        )
    cli(prog_name="iamwarden")
