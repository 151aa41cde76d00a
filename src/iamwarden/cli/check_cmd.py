"""`iamwarden check`: Access Analyzer's custom policy checks, offline

`no-new-access`, `access-not-granted` and `no-public-access` read policy files (JSON or
YAML) through the guarded reader, ask `iamwarden.analysis.custom_checks` and render the
result as text, JSON or SARIF. Exit 0 PASS, 1 FAIL or UNDECIDED, 2 bad input.

A policy of a CloudFormation template with `Fn::If` is checked once per value it may have
when deployed (its variants, `FoundPolicy.conditions`), and passes only if every variant
does; a value known only at deploy time (an action from `Fn::Split` or a parameter, any
function CloudFormation evaluates at deploy) makes a PASS UNDECIDED.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import product
from pathlib import Path
from typing import Any

import click

from iamwarden.analysis.custom_checks import (
    PUBLIC_RESOURCE_TYPES,
    CheckName,
    CheckOutcome,
    CheckReason,
    CustomCheckResult,
    check_access_not_granted,
    check_no_new_access,
    check_no_public_access,
)
from iamwarden.cli.exit_codes import ExitCode
from iamwarden.cli.files import parse_yaml, read_text
from iamwarden.cli.policy_files import found_policies, suffixes
from iamwarden.errors import InputError, Problem, one_line
from iamwarden.fileio import compose_yaml
from iamwarden.policy import Policy, PolicyKind, load_catalog, parse_policy
from iamwarden.policy.sources import (
    FoundPolicy,
    child_path,
    located_yaml,
    policy_selector,
    policy_variants,
    select_policies,
)
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

_POLICY = click.option(
    "--policy",
    "selector",
    metavar="NAME",
    help="Which policy of a CloudFormation template or Terraform plan: a resource "
    "(AppRole, aws_s3_bucket_policy.data), the resource and the policy's path in it "
    "(AppRole.Policies[0].PolicyDocument, aws_iam_role.app.assume_role_policy), or the "
    "JSON path lint prints; needed when the file holds more than one (exit 2 lists them).",
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


@dataclass(frozen=True, slots=True, kw_only=True)
class _Read:
    """A policy read for a check: its statements' lines by index, and for a policy of a
    template or plan its JSON path and short name in the file

    `conditions` are the template conditions this variant of the policy assumes (empty
    when it has one value); `deploy_time` the JSON paths of values known only at deploy
    time; `policy` is None when such a value keeps the document from being read at all."""

    policy: Policy | None
    lines: dict[int, int]
    file: str = ""
    pointer: str = ""
    selector: str = ""
    conditions: Mapping[str, bool] = field(default_factory=dict)
    deploy_time: tuple[str, ...] = ()


def _read_policy(
    path: Path,
    kind: PolicyKind,
    selector: str | None = None,
    option: str = "--policy",
    elements: frozenset[str] = frozenset({"Action", "NotAction"}),
) -> list[_Read]:
    """The policy in a JSON or YAML file (`.yaml` / `.yml`, or text not starting with `{`),
    or the one `selector` names in a CloudFormation template or Terraform plan (checked as
    the kind of policy it is there; `kind` is for policy files), with the line of each
    statement by index (where the text composes as YAML; JSON does). `option` is how the
    command line names the selection, for messages. A template's policy with `Fn::If` gives
    one `_Read` per variant; anything else one. A reference or function in one of
    `elements` is a value known only at deploy time (`_deploy_time`).

    Raises:
        InputError: the file cannot be read or its policy breaks the grammar; `selector`
            given for a policy file; a template or plan whose policies `selector` does not
            narrow to one (the message lists them).
    """
    name = str(path)
    text = read_text(path)
    found, _ = found_policies(text, name)
    if found is not None:
        return _from_template(found, name, selector, option, elements)
    if selector is not None:
        raise InputError(
            f"{option} `{selector}`: the file is a policy, not a CloudFormation template or "
            "Terraform plan",
            path=name,
        )
    try:
        yaml_suffix = suffixes(name)[-1:] in ([".yaml"], [".yml"])
        if yaml_suffix or not text.lstrip().startswith("{"):
            value = parse_yaml(text, path=name)
            if not isinstance(value, dict):
                raise InputError("a policy is a mapping with a `Statement`", path=name)
            _unquoted_principals(value, name)
            policy = parse_policy(value, name=name, kind=kind)
        else:
            policy = parse_policy(text, name=name, kind=kind)
    except InputError as error:
        raise error if error.path else error.with_path(name) from None
    return [_Read(policy=policy, lines=_statement_lines(text, name, policy))]


def _from_template(
    found: list[FoundPolicy],
    name: str,
    selector: str | None,
    option: str,
    elements: frozenset[str],
) -> list[_Read]:
    """The variants of the one policy of a template or plan that `selector` names (or of
    its only policy)"""
    if not found:
        raise InputError("the template or plan holds no policy to check", path=name)
    chosen = policy_variants(found if selector is None else select_policies(found, selector))
    if not chosen:
        every = ", ".join(policy_selector(group[0]) for group in policy_variants(found))
        raise InputError(
            f"{option} `{selector}` names no policy of the file; its policies: {every}",
            path=name,
        )
    if len(chosen) > 1:
        listed = ", ".join(policy_selector(group[0]) for group in chosen)
        what = "the file holds" if selector is None else f"{option} `{selector}` names"
        raise InputError(
            f"{what} {len(chosen)} policies: choose one with {option}: {listed}", path=name
        )
    return [_variant(policy, name, elements) for policy in chosen[0]]


def _variant(policy: FoundPolicy, name: str, elements: frozenset[str]) -> _Read:
    """One value of a template's policy, parsed; unparsed when a value known only at
    deploy time breaks the grammar (`{{Fn.Split}}` as an action)"""
    if policy.problem:
        raise InputError(policy.problem, path=name, location=policy.pointer)
    deploy_time = _deploy_time(policy.document, elements)
    selector = policy_selector(policy)
    try:
        parsed = parse_policy(policy.document, name=name, kind=policy.kind)
    except InputError as error:
        problems = [
            Problem(".".join(p for p in (policy.pointer, item.location) if p), item.problem)
            for item in error.problems
        ]
        if deploy_time:
            return _Read(
                policy=None,
                lines={},
                file=name,
                pointer=policy.pointer,
                selector=selector,
                conditions=policy.conditions,
                deploy_time=deploy_time,
            )
        raise InputError(
            error.problem, path=name, location=problems[0].location, problems=problems
        ) from None
    lines = {
        index: line
        for index in range(len(parsed.statements))
        if (line := policy.line_of(f"Statement[{index}]")) is not None
    }
    return _Read(
        policy=parsed,
        lines=lines,
        pointer=policy.pointer,
        selector=selector,
        conditions=policy.conditions,
        deploy_time=deploy_time,
    )


def _deploy_time(document: object, elements: frozenset[str]) -> tuple[str, ...]:
    """JSON paths of a rendered template policy's values known only at deploy time that
    no check can stand in for: a reference or function in one of `elements` (an action
    `{{ActionParam}}` or `{{Fn.Split}}`; a resource `{{Bucket.Arn}}` when the check names
    resources), and any function CloudFormation evaluates at deploy (`{{Fn.Select}}`,
    `{{Fn.If}}`); elsewhere a reference is one unknown name, compared as written"""
    found: list[str] = []

    def visit(value: object, path: str, is_action: bool) -> None:
        if isinstance(value, str):
            if "{{Fn." in value or (is_action and "{{" in value):
                found.append(path)
        elif isinstance(value, dict):
            for key, child in value.items():
                visit(child, child_path(path, str(key)), is_action or key in elements)
        elif isinstance(value, list):
            for index, child in enumerate(value):
                visit(child, child_path(path, index), is_action)

    visit(document, "", False)
    return tuple(found)


def _label(conditions: Mapping[str, bool]) -> str:
    return ", ".join(f"{k}={'true' if v else 'false'}" for k, v in sorted(conditions.items()))


_RANK = {CheckOutcome.PASS: 0, CheckOutcome.UNDECIDED: 1, CheckOutcome.FAIL: 2}


def _run(
    check_name: CheckName,
    reads: Sequence[Sequence[_Read]],
    decide: Callable[..., CustomCheckResult],
) -> CustomCheckResult:
    """`decide` asked for each combination of variants (one `_Read` of each sequence, those
    of one template condition's value paired), a read holding a value known only at deploy
    time never passing; the worst outcome wins, and each reason names its variant"""
    combos = list(product(*reads))
    if len(reads) == 2 and all(len(r) > 1 for r in reads):
        same = [c for c in combos if c[0].conditions == c[1].conditions]
        combos = same or combos
    results: list[tuple[str, CustomCheckResult]] = []
    for combo in combos:
        label = "; ".join(dict.fromkeys(_label(r.conditions) for r in combo if r.conditions))
        results.append((label, _decided(check_name, combo, decide)))
    worst = max(results, key=lambda item: _RANK[item[1].outcome])
    if len(results) == 1:
        return worst[1]
    reasons = tuple(
        replace(reason, description=f"when {label}: {reason.description}")
        for label, result in results
        for reason in result.reasons
    )
    warnings = tuple(dict.fromkeys(w for _, result in results for w in result.warnings))
    message = worst[1].message + (
        " (every value the template may give it)" if worst[1].is_pass else f" (when {worst[0]})"
    )
    return replace(worst[1], message=message, reasons=reasons, warnings=warnings)


def _decided(
    check_name: CheckName, combo: Sequence[_Read], decide: Callable[..., CustomCheckResult]
) -> CustomCheckResult:
    deploy_time = [
        f"`{r.pointer}.{p}`" if r.pointer else f"`{p}`" for r in combo for p in r.deploy_time
    ]
    name = combo[-1].file or (combo[-1].policy.name if combo[-1].policy else "")
    if any(r.policy is None for r in combo):
        result = CustomCheckResult(
            check=check_name, outcome=CheckOutcome.UNDECIDED, message="", policy=name
        )
    else:
        try:
            result = decide(*(r.policy for r in combo))
        except InputError as error:
            raise error if error.path or not name else error.with_path(name) from None
        if not result.is_pass or not deploy_time:
            return result
    reason = CheckReason(
        description="known only at deploy time: " + ", ".join(deploy_time),
        actions=(),
        resource="*",
        is_decided=False,
    )
    return replace(
        result,
        outcome=CheckOutcome.UNDECIDED,
        message="the policy holds values known only at deploy time: not decided",
        reasons=(*result.reasons, reason),
    )


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


def _data(result: CustomCheckResult, pointer: str) -> dict[str, Any]:
    return {
        "warnings": list(result.warnings),
        "check": result.check.value,
        "policy": result.policy,
        "policy_path": pointer,
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


def _emit(result: CustomCheckResult, output_format: str, checked: _Read) -> None:
    """Print the result (text lines have control characters escaped) and its warnings on
    stderr; exit 1 unless it passed. `checked` is the policy read (the new one of
    no-new-access): its statement lines, and its place in a template or plan."""
    for warning in result.warnings:
        click.echo(f"warning: {one_line(warning)}", err=True)
    if output_format == "json":
        click.echo(json.dumps(_data(result, checked.pointer), indent=2, sort_keys=True))
    elif output_format == "sarif":
        lines = {result.policy: checked.lines}
        paths = {result.policy: checked.pointer}
        click.echo(render_check_sarif([result], lines, paths), nl=False)
    else:
        name = f"{result.policy} {checked.selector}" if checked.selector else result.policy
        click.echo(one_line(f"{result.outcome.value}: {name}: {result.message}"))
        for reason in result.reasons:
            click.echo(f"  {one_line(reason.description)}")
            actions = reason.actions
            if not actions:
                continue
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
    help="The existing (reference) policy: a policy file (JSON or YAML), or a "
    "CloudFormation template or Terraform plan (see --existing-policy).",
)
@click.option(
    "--new",
    "new_path",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The new (updated) policy: a policy file, template or plan (see --new-policy).",
)
@click.option(
    "--existing-policy",
    "existing_selector",
    metavar="NAME",
    help="Which policy of the --existing template or plan (as for --new-policy).",
)
@click.option(
    "--new-policy",
    "new_selector",
    metavar="NAME",
    help="Which policy of the --new template or plan: a resource (AppRole, "
    "aws_iam_role.app), the resource and the policy's path in it "
    "(AppRole.Policies[0].PolicyDocument, aws_iam_role.app.assume_role_policy), or the "
    "JSON path lint prints; needed when the file holds more than one (exit 2 lists them).",
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
def no_new_access(
    existing: Path,
    new_path: Path,
    existing_selector: str | None,
    new_selector: str | None,
    policy_type: str,
    output_format: str,
) -> None:
    """Does the new policy allow any request the existing one does not? (CheckNoNewAccess)

    Every catalogue action is asked, one per class of actions the two policies treat alike,
    on every resource pattern of the new policy; each new grant is listed with its actions,
    resource, statement and conditions. A resource policy is asked for every principal
    either policy names, anyone, and an account neither names. Conditions that cannot be
    compared (StringLike and StringEquals on one key) give UNDECIDED, never PASS.

    A policy of a CloudFormation template or Terraform plan is checked as the kind it is
    there (a role's trust policy and a bucket policy are resource policies); --type is for
    policy files.
    """
    kind = _KINDS[policy_type]
    old = _read_policy(existing, kind, existing_selector, "--existing-policy")
    new = _read_policy(new_path, kind, new_selector, "--new-policy")
    catalog = load_catalog()
    result = _run(
        CheckName.NO_NEW_ACCESS,
        [old, new],
        lambda o, n: check_no_new_access(o, n, catalog=catalog),
    )
    _emit(result, output_format, new[0])


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
@_POLICY
@_FORMAT
def access_not_granted(
    policy: Path,
    actions: tuple[str, ...],
    resources: tuple[str, ...],
    policy_type: str,
    selector: str | None,
    output_format: str,
) -> None:
    """Does the policy grant none of the listed actions? (CheckAccessNotGranted)

    The engine is asked each action on each resource; access granted only under conditions
    counts as granted (FAIL, with the conditions). POLICY may be a CloudFormation template
    or Terraform plan (--policy): its policy is checked as the kind it is there.
    """
    named = frozenset({"Resource", "NotResource"}) if _split(resources) else frozenset()
    checked = _read_policy(
        policy, _KINDS[policy_type], selector, elements=frozenset({"Action", "NotAction"}) | named
    )
    catalog = load_catalog()
    result = _run(
        CheckName.ACCESS_NOT_GRANTED,
        [checked],
        lambda p: check_access_not_granted(
            p, _split(actions), resources=_split(resources), catalog=catalog
        ),
    )
    _emit(result, output_format, checked[0])


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
@_POLICY
@_FORMAT
def no_public_access(
    policy: Path, resource_type: str, selector: str | None, output_format: str
) -> None:
    """Does the resource policy grant no public access? (CheckNoPublicAccess)

    Decided by the external-access analysis: access for anyone, or for any AWS account,
    unconditional or under conditions the caller controls, is public. S3 Block Public
    Access is not applied: the check is of the document. POLICY may be a CloudFormation
    template or Terraform plan (--policy).
    """
    checked = _read_policy(policy, PolicyKind.RESOURCE, selector)
    catalog = load_catalog()
    result = _run(
        CheckName.NO_PUBLIC_ACCESS,
        [checked],
        lambda p: check_no_public_access(p, resource_type, catalog=catalog),
    )
    _emit(result, output_format, checked[0])
