"""Options several commands share"""

from __future__ import annotations

import click

__all__ = ["TEXT_OR_JSON"]

TEXT_OR_JSON = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
"""`--format text|json` (the command's parameter `fmt`)"""
