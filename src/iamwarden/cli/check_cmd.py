"""`iamwarden check`: Access Analyzer's custom policy checks, offline

`no-new-access`, `access-not-granted` and `no-public-access` read policy files (JSON or
YAML) through the guarded reader, ask `iamwarden.analysis.custom_checks` and render the
result as text, JSON or SARIF. Exit 0 PASS, 1 FAIL or UNDECIDED, 2 bad input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from iamwarden.analysis.custom_checks import (
    PUBLIC_RESOURCE_TYPES,
    CustomCheckResult,
    check_access_not_granted,
    check_no_new_access,
    check_no_public_access,
)
from iamwarden.cli.exit_codes import ExitCode
from iamwarden.cli.files import parse_yaml, read_text
from iamwarden.errors import InputError, one_line
from iamwarden.fileio import compose_yaml
from iamwarden.policy import Policy, PolicyKind, load_catalog, parse_policy
from iamwarden.policy.sources import located_yaml
from iamwarden.report.check_sarif import render_check_sarif

__all__ = ["check"]

_KINDS = {"identity": PolicyKind.IDENTITY, "resource": PolicyKind.RESOURCE}

_EXIT_CODES = """\b
Exit codes:
  0  PASS
  1  FAIL, or UNDECIDED (conditions that cannot be compared statically; never a pass)
  2  bad usage, a file that cannot be read, a policy that breaks the grammar
     (one line on stderr)
"""

_FORMAT = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="Output: a verdict line and one line per reason, JSON, or SARIF 2.1.0 (code scanning).",
)


_PRINCIPAL_ELEMENTS = ("Principal", "NotPrincipal")


def _unquoted_principals(value: dict[str, Any], name: str) -> None:
    """Refuse a YAML principal the reader made a number (an unquoted `123456789012`)

    Raises:
        InputError: naming the file, the JSON path and the fix (quote it).
    """
    statements = value.get("Statement")
    listed = statements if isinstance(statements, list) else [statements]
    for index, statement in enumerate(listed):
        if not isinstance(statement, dict):
            continue
        at = f"Statement[{index}]" if isinstance(statements, list) else "Statement"
        for element in _PRINCIPAL_ELEMENTS:
            entries = statement.get(element)
            if not isinstance(entries, dict):
                continue
            for kind, given in entries.items():
                items = given if isinstance(given, list) else [given]
                for item in items:
                    if isinstance(item, int | float) and not isinstance(item, bool):
                        raise InputError(
                            f"principal `{item}` is a number: YAML reads an unquoted account "
                            f'id as one; quote it ("{item}")',
                            path=name,
                            location=f"{at}.{element}.{kind}",
                        )


def _read_policy(path: Path, kind: PolicyKind) -> tuple[Policy, dict[int, int]]:
    """The policy in a JSON or YAML file (`.yaml` / `.yml`, or text not starting with `{`),
    and the line of each statement by index (where the text composes as YAML; JSON does)"""
    name = str(path)
    text = read_text(path)
    try:
        suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
        is_yaml = (suffixes[-1] in (".yaml", ".yml")) if suffixes else False
        if is_yaml or not text.lstrip().startswith("{"):
            value = parse_yaml(text, path=name)
            if not isinstance(value, dict):
                raise InputError("a policy is a mapping with a `Statement`", path=name)
            _unquoted_principals(value, name)
            policy = parse_policy(value, name=name, kind=kind)
        else:
            policy = parse_policy(text, name=name, kind=kind)
    except InputError as error:
        raise error if error.path else error.with_path(name) from None
    return policy, _statement_lines(text, name, policy)


def _statement_lines(text: str, name: str, policy: Policy) -> dict[int, int]:
    try:
        located = located_yaml(compose_yaml(text, path=name))
    except InputError:
        return {}  # JSON that is not also YAML (a tab in indentation): no lines
    found: dict[int, int] = {}
    for index in range(len(policy.statements)):
        line = located.line(f"Statement[{index}]")
        if line is not None:
            found[index] = line
    return found


def _data(result: CustomCheckResult) -> dict[str, Any]:
    return {
        "warnings": list(result.warnings),
        "check": result.check.value,
        "policy": result.policy,
        "result": result.outcome.value,
        "message": result.message,
        "reasons": [
            {
                "description": r.description,
                "actions": list(r.actions),
                "resource": r.resource,
                "principal": r.principal,
                "statementIndex": r.statement.index if r.statement else None,
                "statementId": r.statement.sid if r.statement else None,
                "conditions": list(r.conditions),
                "decided": r.is_decided,
            }
            for r in result.reasons
        ],
    }


_SHOWN_ACTIONS = 8


def _emit(
    result: CustomCheckResult,
    output_format: str,
    lines: Mapping[int, int] | None = None,
) -> None:
    """Print the result (text lines have control characters escaped) and its warnings on
    stderr; exit 1 unless it passed. `lines` are the checked policy's statement lines."""
    for warning in result.warnings:
        click.echo(f"warning: {one_line(warning)}", err=True)
    if output_format == "json":
        click.echo(json.dumps(_data(result), indent=2, sort_keys=True))
    elif output_format == "sarif":
        click.echo(render_check_sarif([result], {result.policy: lines or {}}), nl=False)
    else:
        click.echo(one_line(f"{result.outcome.value}: {result.policy}: {result.message}"))
        for reason in result.reasons:
            click.echo(f"  {one_line(reason.description)}")
            actions = reason.actions
            more = f" and {len(actions) - _SHOWN_ACTIONS} more" if len(actions) > 8 else ""
            click.echo(one_line(f"    actions: {', '.join(actions[:_SHOWN_ACTIONS])}{more}"))
            for condition in reason.conditions:
                click.echo(one_line(f"    if: {condition}"))
    if not result.is_pass:
        sys.exit(ExitCode.FINDINGS)


@click.group(
    epilog=f"""\b
Examples:
  iamwarden check no-new-access --existing reference.json --new policy.json
  iamwarden check access-not-granted --actions iam:PassRole,s3:DeleteBucket policy.json
  iamwarden check no-public-access --resource-type AWS::S3::Bucket bucket-policy.json

{_EXIT_CODES}"""
)
def check() -> None:
    """Access Analyzer's custom policy checks, offline and decided by the engine: no new
    access against a reference policy, listed access not granted, no public access."""


@check.command(
    "no-new-access",
    epilog=f"""\b
Examples:
  iamwarden check no-new-access --existing reference.json --new policy.json
  iamwarden check no-new-access --type resource --existing old-trust.json \\
      --new new-trust.yaml --format sarif > check.sarif

{_EXIT_CODES}""",
)
@click.option(
    "--existing",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The existing (reference) policy, JSON or YAML.",
)
@click.option(
    "--new",
    "new_path",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The new (updated) policy, JSON or YAML.",
)
@click.option(
    "--type",
    "policy_type",
    type=click.Choice(list(_KINDS)),
    default="identity",
    show_default=True,
    help="Policy type: identity (managed or inline), or resource (bucket, key, trust, ...).",
)
@_FORMAT
def no_new_access(existing: Path, new_path: Path, policy_type: str, output_format: str) -> None:
    """Does the new policy allow any request the existing one does not? (CheckNoNewAccess)

    Every catalogue action is asked, one per class of actions the two policies treat alike,
    on every resource pattern of the new policy; each new grant is listed with its actions,
    resource, statement and conditions. A resource policy is asked for every principal
    either policy names, anyone, and an account neither names. Conditions that cannot be
    compared (StringLike and StringEquals on one key) give UNDECIDED, never PASS.
    """
    kind = _KINDS[policy_type]
    old, _ = _read_policy(existing, kind)
    new, lines = _read_policy(new_path, kind)
    _emit(check_no_new_access(old, new, catalog=load_catalog()), output_format, lines)


def _split(values: tuple[str, ...]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


@check.command(
    "access-not-granted",
    epilog=f"""\b
Examples:
  iamwarden check access-not-granted --actions iam:PassRole,s3:DeleteBucket policy.json
  iamwarden check access-not-granted --actions 's3:Put*' \\
      --resources arn:aws:s3:::prod-data/* --format json policy.json
  iamwarden check access-not-granted --type resource --actions kms:Decrypt key-policy.json

{_EXIT_CODES}""",
)
@click.argument("policy", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--actions",
    multiple=True,
    required=True,
    help="Actions the policy must not grant, comma-separated or repeated; wildcards "
    "(s3:Put*) stand for every catalogue action they match (at most 100 entries). Each is "
    "service:Action (exit 2 otherwise); one the catalogue does not list is warned about "
    "on stderr (a typo such as s3:PutObjct is granted by nothing).",
)
@click.option(
    "--resources",
    multiple=True,
    help="Resource ARNs the actions must not be granted on (comma-separated or repeated; "
    "default: any resource; at most 100).",
)
@click.option(
    "--type",
    "policy_type",
    type=click.Choice(list(_KINDS)),
    default="identity",
    show_default=True,
    help="Policy type: identity, or resource (asked for every principal it names and anyone).",
)
@_FORMAT
def access_not_granted(
    policy: Path,
    actions: tuple[str, ...],
    resources: tuple[str, ...],
    policy_type: str,
    output_format: str,
) -> None:
    """Does the policy grant none of the listed actions? (CheckAccessNotGranted)

    The engine is asked each action on each resource; access granted only under conditions
    counts as granted (FAIL, with the conditions).
    """
    document, lines = _read_policy(policy, _KINDS[policy_type])
    result = check_access_not_granted(
        document, _split(actions), resources=_split(resources), catalog=load_catalog()
    )
    _emit(result, output_format, lines)


@check.command(
    "no-public-access",
    epilog=f"""\b
Examples:
  iamwarden check no-public-access --resource-type AWS::S3::Bucket bucket-policy.json
  iamwarden check no-public-access --resource-type AWS::IAM::AssumeRolePolicyDocument \\
      --format sarif trust.json

{_EXIT_CODES}""",
)
@click.argument("policy", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--resource-type",
    type=click.Choice(sorted(PUBLIC_RESOURCE_TYPES)),
    required=True,
    help="The resource type the policy is attached to (Access Analyzer's names).",
)
@_FORMAT
def no_public_access(policy: Path, resource_type: str, output_format: str) -> None:
    """Does the resource policy grant no public access? (CheckNoPublicAccess)

    Decided by the external-access analysis: access for anyone, or for any AWS account,
    unconditional or under conditions the caller controls, is public. S3 Block Public
    Access is not applied: the check is of the document.
    """
    document, lines = _read_policy(policy, PolicyKind.RESOURCE)
    result = check_no_public_access(document, resource_type, catalog=load_catalog())
    _emit(result, output_format, lines)
