"""`iamwarden lint`: every diagnostic for policy documents, before they are deployed

Inputs: policy files (JSON or YAML), directories of them (recursively), CloudFormation
templates and Terraform JSON plans, whose policies are found by `iamwarden.policy.sources`
and typed by where they sit, and an account (a snapshot, an export, the demo, or live).
Every file is read through the guarded reader.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from iamwarden.analysis.evidence import counted
from iamwarden.cli.exit_codes import ExitCode
from iamwarden.cli.files import check_json_depth, read_stream, read_text
from iamwarden.cli.sources import load_source, source_options
from iamwarden.errors import InputError
from iamwarden.fileio import compose_yaml
from iamwarden.policy import Diagnostic, DiagnosticSeverity, lint_policy
from iamwarden.policy.sources import (
    USAGES,
    FoundPolicy,
    Located,
    cloudformation_policies,
    intrinsic_tag,
    is_cloudformation,
    is_terraform_plan,
    kind_of_usage,
    located_yaml,
    terraform_policies,
)
from iamwarden.snapshot import Snapshot

__all__ = ["lint"]

STDIN = "<stdin>"
"""How diagnostics name standard input (`lint -`)"""

DIRECTORY_SUFFIXES = (".json", ".yaml", ".yml", ".template")
"""The files a directory argument contributes (also when gzipped: `.json.gz`)"""

_KIND_ALIASES = {"permissionsBoundary": "boundary"}


@dataclass(frozen=True, slots=True, kw_only=True)
class _Located:
    """A diagnostic and, for a policy found in a template or plan, where that policy is"""

    diagnostic: Diagnostic
    found: FoundPolicy | None = None

    def line(self) -> int | None:
        if self.found is None:
            return None
        return self.found.line_of(self.diagnostic.location)

    def text(self, name: str) -> str:
        if self.found is None:
            return f"{name}: {self.diagnostic}"
        line = self.line()
        where = f"{name}:{line}" if line is not None else name
        return f"{where}: {self.found.pointer} ({self.found.usage}): {self.diagnostic}"

    def data(self) -> dict[str, Any]:
        d = self.diagnostic
        data: dict[str, Any] = {
            "severity": d.severity.value,
            "code": d.code,
            "location": d.location,
            "message": d.message,
        }
        if self.found is not None:
            data.update(
                policy=self.found.pointer,
                resource=self.found.name,
                type=self.found.usage,
                line=self.line(),
            )
        return data


def _suffixes(name: str) -> list[str]:
    return [s.lower() for s in Path(name).suffixes if s.lower() != ".gz"]


def _is_yaml(name: str, text: str) -> bool:
    suffixes = _suffixes(name)
    if suffixes and suffixes[-1] in (".yaml", ".yml"):
        return True
    if suffixes and suffixes[-1] == ".json":
        return False
    return not text.lstrip().startswith("{")


def _located(text: str, name: str) -> Located:
    """The YAML (or JSON) text's located value, CloudFormation tags as their long forms"""
    try:
        return located_yaml(compose_yaml(text, path=name), application_tag=intrinsic_tag)
    except InputError as error:
        raise error if error.path else error.with_path(name) from None


_UNDECODED = object()


def _found_policies(text: str, name: str) -> tuple[list[FoundPolicy] | None, Located]:
    """The policies of a template or plan (None when the text is neither), and the decoded
    text (`_UNDECODED` when it is not JSON: a policy file's `syntax` diagnostics say why),
    with its lines and repeated keys when it is YAML"""
    try:
        if _is_yaml(name, text):
            located = _located(text, name)
            if is_cloudformation(located.value):
                return list(cloudformation_policies(located)), located
            return None, located
        check_json_depth(text, path=name)
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            return None, Located(value=_UNDECODED)
        if is_terraform_plan(value):
            return list(terraform_policies(value)), Located(value=value)
        if is_cloudformation(value):
            try:  # JSON is YAML: its node tree gives the lines
                located = _located(text, name)
            except InputError:
                located = Located(value=value)
            found = cloudformation_policies(Located(value=value, lines=located.lines))
            return list(found), Located(value=value)
        return None, Located(value=value)
    except InputError as error:
        raise error if error.path else error.with_path(name) from None


def _is_policy_like(value: Any) -> bool:
    """Whether decoded data may be a policy: an object with `Statement` or `Version`, JSON
    text in YAML, or text that is not JSON at all (its diagnostics say what is wrong)"""
    if value is _UNDECODED or isinstance(value, str):
        return True
    return isinstance(value, dict) and ("Statement" in value or "Version" in value)


def _lint_found(found: FoundPolicy) -> Iterator[_Located]:
    if found.problem:
        diagnostic = Diagnostic(
            severity=DiagnosticSeverity.WARNING,
            code="policy_not_known",
            location="",
            message=found.problem,
        )
        yield _Located(diagnostic=diagnostic, found=found)
        return
    diagnostics = lint_policy(
        found.document,
        kind=found.kind,
        managed=found.managed,
        duplicate_keys=found.duplicates,
    )
    yield from (_Located(diagnostic=d, found=found) for d in diagnostics)


def _lint_text(
    text: str, name: str, usage: str, managed: bool, *, is_found: bool = False
) -> list[_Located] | None:
    """The diagnostics of one file; None for a file found in a directory that is not a
    policy, a template or a plan (`package.json`, a workflow)"""
    found, located = _found_policies(text, name)
    if found is None and is_found and not _is_policy_like(located.value):
        return None
    if found is not None:
        return [item for policy in found for item in _lint_found(policy)]
    document: Any = text  # JSON: `lint_policy` reads the text (and its repeated keys)
    if _is_yaml(name, text):
        document = located.value  # a policy object, or a string of JSON text
        if isinstance(document, str):
            check_json_depth(document, path=name)
    diagnostics = lint_policy(
        document,
        kind=kind_of_usage(usage),
        managed=managed,
        duplicate_keys=located.duplicates,
    )
    return [_Located(diagnostic=d) for d in diagnostics]


def _snapshot_policies(snapshot: Snapshot) -> Iterator[FoundPolicy]:
    """Every policy of an account: inline and trust policies, customer managed policies
    (AWS managed ones are AWS's: `benchmarks.lint` checks those), resource policies, and
    the organization's SCPs and RCPs on the account's path"""
    for principals in (snapshot.users, snapshot.groups, snapshot.roles):
        for principal in principals:
            for inline in principal.inline_policies:
                yield FoundPolicy(
                    usage="identity",
                    document=inline.document.text,
                    pointer=f"{principal.arn} inline policy `{inline.name}`",
                    name=principal.arn,
                )
    for role in snapshot.roles:
        yield FoundPolicy(
            usage="trust",
            document=role.trust_policy.text,
            pointer=f"{role.arn} trust policy",
            name=role.arn,
        )
    for policy in snapshot.policies:
        if not policy.is_aws_managed:
            yield FoundPolicy(
                usage="identity",
                document=policy.document.text,
                pointer=policy.arn,
                name=policy.arn,
                managed=True,
            )
    for resource in snapshot.resource_policies:
        yield FoundPolicy(
            usage="resource",
            document=resource.document.text,
            pointer=f"{resource.arn} resource policy",
            name=resource.arn,
        )
    seen: set[str] = set()
    for level in snapshot.organization.path if snapshot.organization else ():
        for usage, policies in (("scp", level.scps), ("rcp", level.rcps)):
            for org_policy in policies:
                if org_policy.id not in seen:
                    seen.add(org_policy.id)
                    yield FoundPolicy(
                        usage=usage,
                        document=org_policy.document.text,
                        pointer=org_policy.arn or org_policy.id,
                        name=org_policy.name,
                    )


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _files(path: Path) -> Iterator[Path]:
    """`path`, or the policy, template and plan files below a directory, sorted"""
    if not path.is_dir():
        yield path
        return
    for candidate in sorted(path.rglob("*")):  # links to folders are not followed: no loops
        suffixes = _suffixes(candidate.name)
        if (
            suffixes
            and suffixes[-1] in DIRECTORY_SUFFIXES
            and candidate.is_file()
            and not _is_hidden(candidate, path)
        ):
            yield candidate


@click.command(
    epilog="""\b
Examples:
  iamwarden lint policies/
  iamwarden lint template.yaml plan.json
  iamwarden lint --type trust --format json trust-policy.yaml
  iamwarden lint --snapshot account.json.gz
  aws iam get-role-policy --role-name app --policy-name s3 --query PolicyDocument \\
      | iamwarden lint -

\b
Exit codes:
  0  no document has an error (warnings do not count)
  1  a document has an error (IAM would reject it, or it cannot work)
  2  bad usage, or a file that cannot be read, or a template or plan that is not
     valid YAML/JSON or not the expected shape (one line on stderr)
""",
)
@click.argument(
    "paths",
    metavar="[PATH]...",
    nargs=-1,
    required=False,
    type=click.Path(allow_dash=True, path_type=Path),
)
@click.option(
    "--type",
    "--kind",
    "usage",
    type=click.Choice([*USAGES, *_KIND_ALIASES]),
    default="identity",
    show_default=True,
    help="Where the policies of plain policy files are used (templates and plans say it "
    "themselves; --kind is the old name).",
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
@source_options
def lint(
    paths: tuple[Path, ...],
    usage: str,
    managed: bool,
    output_format: str,
    demo: bool,
    input_dir: Path | None,
    snapshot_file: Path | None,
    **_live: Any,
) -> None:
    """Lint IAM policies: policy files (JSON or YAML, - for standard input), directories of
    them, CloudFormation templates and Terraform JSON plans; exit 1 when any has an error.

    A file named .yaml or .yml is YAML; any other is JSON when its text starts with `{`,
    else YAML (a .json file is always JSON). A directory contributes its .json, .yaml, .yml
    and .template files, recursively (hidden folders skipped), except those that are not a
    policy (no `Statement` or `Version`), a template or a plan. A CloudFormation template or a
    Terraform plan (`terraform show -json PLAN`) is recognised by its content; each policy
    in it is checked as the kind of policy it is (a role's trust policy, a bucket policy,
    an SCP, ...) and located by line (YAML) or JSON path.

    With --demo, --input or --snapshot (or the live options, or no PATH at all: the account
    of boto3's default credentials), every policy of the account is linted too.
    """
    usage = _KIND_ALIASES.get(usage, usage)
    results: dict[str, list[_Located]] = {}
    skipped = 0
    if not paths or demo or input_dir or snapshot_file:
        snapshot = load_source(demo=demo, input_dir=input_dir, snapshot_file=snapshot_file)
        source = (
            "demo" if demo else str(input_dir or snapshot_file or f"account {snapshot.account.id}")
        )
        results[source] = [
            item for found in _snapshot_policies(snapshot) for item in _lint_found(found)
        ]
    for argument in paths:
        if str(argument) == "-":
            text = read_stream(sys.stdin.buffer, name=STDIN)
            results[STDIN] = _lint_text(text, STDIN, usage, managed) or []
            continue
        if not argument.exists():
            raise InputError("file not found", path=str(argument))
        for path in _files(argument):
            name = str(path)
            linted = _lint_text(read_text(path), name, usage, managed, is_found=path != argument)
            if linted is None:
                skipped += 1
            else:
                results[name] = linted
    if output_format == "json":
        data = {name: [item.data() for item in items] for name, items in results.items()}
        click.echo(json.dumps(data, indent=2, sort_keys=True))
    else:
        for name, items in results.items():
            for item in items:
                click.echo(item.text(name))
        count = sum(len(items) for items in results.values())
        summary = f"{counted(len(results), 'file')}, {counted(count, 'diagnostic')}"
        if skipped:
            summary += f" ({counted(skipped, 'file')} skipped: not a policy, template or plan)"
        click.echo(summary, err=True)
    if any(
        item.diagnostic.severity is DiagnosticSeverity.ERROR
        for items in results.values()
        for item in items
    ):
        sys.exit(ExitCode.FINDINGS)
