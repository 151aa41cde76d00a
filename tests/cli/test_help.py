"""`--help`: every command says what it does, how it exits and how it is used; every option
says what it is for"""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from iamwarden.analysis import registered_checks
from iamwarden.cli.assess_cmd import assess_command
from iamwarden.cli.main import cli
from iamwarden.cli.simulate_cmd import simulate as simulate_command


def _commands(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(cli))


def test_the_walk_finds_every_command() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"", "assess", "checks", "checks list", "collect", "lint", "simulate", "snapshot"} <= (
        names
    )


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(p) or "iamwarden" for p, _ in COMMANDS]
)
def test_every_option_has_help_text(path: tuple[str, ...], command: click.Command) -> None:
    ctx = click.Context(command, info_name=" ".join(("iamwarden", *path)))
    options = [p for p in command.get_params(ctx) if isinstance(p, click.Option)]
    assert options  # --help at least
    for option in options:
        assert option.help and option.help.strip(), f"{' '.join(path)} {option.opts[0]}"


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(p) or "iamwarden" for p, _ in COMMANDS]
)
def test_every_help_names_its_exit_codes_and_an_example(
    path: tuple[str, ...], command: click.Command
) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Exit codes" in text
    for code in ("0 ", "2 "):
        assert f"  {code}" in text
    assert "Example" in text
    _, _, examples = text.partition("Example")
    assert f"iamwarden {' '.join(path)}".strip() in examples


@pytest.mark.parametrize("command", ["assess", "simulate", "snapshot"])
def test_source_options_come_in_the_order_a_newcomer_needs(command: str) -> None:
    text = CliRunner().invoke(cli, [command, "--help"]).output
    positions = [
        text.index(f"  {option} ")
        for option in ("--demo", "--input", "--snapshot", "--profile", "--region", "--role-arn")
    ]
    assert positions == sorted(positions)


def test_simulate_region_is_described_as_the_requests_region() -> None:
    options = {p.name: p.help for p in simulate_command.params if isinstance(p, click.Option)}
    assert "aws:RequestedRegion" in (options["region"] or "")
    assert "aws:RequestedRegion" not in (
        next(p.help for p in assess_command.params if p.name == "region") or ""
    )


def test_every_iamwarden_command_a_check_remediation_names_exists() -> None:
    """A remediation must not send the user to a command that does not exist (newcomer
    review: `iamwarden generate`)"""
    named = set()
    for entry in registered_checks().values():
        remedy = entry.spec.remediation
        text = f"{remedy.text} {remedy.command or ''}"
        named.update(re.findall(r"`iamwarden ([a-z][a-z-]*(?: [a-z][a-z-]*)*)", text))
    assert named, "no remediation names an iamwarden command: the test tests nothing"
    for words in named:
        command: click.Command = cli
        for word in words.split():
            if not isinstance(command, click.Group):
                break  # the rest are the command's arguments
            found = command.get_command(click.Context(command), word)
            assert found is not None, f"`iamwarden {words}` does not exist"
            command = found


def test_every_command_loads_under_its_own_name() -> None:
    ctx = click.Context(cli)
    names = cli.list_commands(ctx)
    assert {"assess", "lint", "simulate", "who-can"} <= set(names)
    for name in names:
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name
    assert cli.get_command(ctx, "no-such-command") is None
