"""`iamwarden lint`: every diagnostic for policy documents, before they are deployed"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from iamwarden.analysis.evidence import counted
from iamwarden.cli.exit_codes import ExitCode
from iamwarden.cli.files import check_json_depth, read_text
from iamwarden.policy import Diagnostic, DiagnosticSeverity, PolicyKind, lint_policy

__all__ = ["lint"]


@click.command(
    epilog="""\b
Examples:
  iamwarden lint policies/*.json
  iamwarden lint --kind resource --format json bucket-policy.yaml
  aws iam get-role-policy --role-name app --policy-name s3 --query PolicyDocument \\
      | iamwarden lint -

\b
Exit codes:
  0  no document has an error (warnings do not count)
  1  a document has an error (IAM would reject it, or it cannot work)
  2  bad usage, or a file that cannot be read (one line on stderr)
""",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    type=click.Choice([k.value for k in PolicyKind]),
    default=PolicyKind.IDENTITY.value,
    show_default=True,
    help="Where the policies are used.",
)
@click.option("--managed", is_flag=True, help="The policies are managed policies (Version floor).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format: one line per diagnostic, or JSON diagnostics by file.",
)
def lint(files: tuple[Path, ...], kind: str, managed: bool, output_format: str) -> None:
    """Lint IAM policy documents (JSON files); exit 1 when any has an error."""
    results: dict[str, tuple[Diagnostic, ...]] = {}
    for path in files:
        text = read_text(path)
        check_json_depth(text, path=str(path))
        results[str(path)] = lint_policy(text, kind=PolicyKind(kind), managed=managed)
    if output_format == "json":
        data = {
            path: [
                {
                    "severity": d.severity.value,
                    "code": d.code,
                    "location": d.location,
                    "message": d.message,
                }
                for d in diagnostics
            ]
            for path, diagnostics in results.items()
        }
        click.echo(json.dumps(data, indent=2, sort_keys=True))
    else:
        for name, diagnostics in results.items():
            for diagnostic in diagnostics:
                click.echo(f"{name}: {diagnostic}")
        count = sum(len(d) for d in results.values())
        click.echo(f"{counted(len(results), 'file')}, {counted(count, 'diagnostic')}", err=True)
    if any(d.severity is DiagnosticSeverity.ERROR for ds in results.values() for d in ds):
        sys.exit(ExitCode.FINDINGS)
