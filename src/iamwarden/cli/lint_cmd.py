"""`iamwarden lint`: every diagnostic for policy documents, before they are deployed

Inputs: policy files (JSON or YAML), directories of them (recursively), CloudFormation
templates and Terraform JSON plans, whose policies are found by `iamwarden.policy.sources`
and typed by where they sit, and an account (a snapshot, an export, the demo, or live).
Every file is read through the guarded reader.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from iamwarden.analysis import registered_checks
from iamwarden.analysis.evidence import counted
from iamwarden.cli.access_cmd import CONFIG_FILE
from iamwarden.cli.exit_codes import ExitCode
from iamwarden.cli.files import check_json_depth, read_stream, read_text
from iamwarden.cli.lint_suppress import (
    expired_notes,
    load_rules,
    metadata_codes,
    muted_by_sid,
    sid_suppressions,
)
from iamwarden.cli.policy_files import UNDECODED, found_policies, is_yaml, suffixes
from iamwarden.cli.sources import load_source, source_options
from iamwarden.errors import InputError, PolicySyntaxError
from iamwarden.fileio import compose_yaml
from iamwarden.policy import (
    Diagnostic,
    DiagnosticSeverity,
    PolicyKind,
    lint_policy,
    load_catalog,
    parse_policy,
)
from iamwarden.policy.lint import CODES, SIZE_LIMITS, LintResult, activity_suggestions
from iamwarden.policy.sources import (
    USAGES,
    FoundPolicy,
    Located,
    kind_of_usage,
    located_yaml,
    policy_variants,
)
from iamwarden.report.lint_sarif import render_lint_sarif
from iamwarden.snapshot import Snapshot

if TYPE_CHECKING:
    from iamwarden.activity.policy_use import PolicyActivity

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
    position: tuple[int | None, int | None] = (None, None)

    def result(self, name: str) -> LintResult:
        d = self.diagnostic
        found = self.found
        line, column = found.position_of(d.location) if found is not None else self.position
        reason = _inline_suppression(d, found)
        return LintResult(
            file=name,
            diagnostic=d,
            line=line,
            column=column,
            policy=found.pointer if found is not None else "",
            usage=found.usage if found is not None else "",
            resource=found.name if found is not None else "",
            suppression=reason,
        )


def _inline_suppression(diagnostic: Diagnostic, found: FoundPolicy | None) -> str:
    """The reason a diagnostic is muted in the source: its resource's template `Metadata`
    (`iamwarden: ignore: {code: reason}`), or its statement's Sid ending in `LintIgnore`
    and the code in CapWords (`AdminLintIgnorePassRoleStar`)"""
    if found is not None and diagnostic.code in found.suppressed:
        return f"template metadata: {found.suppressed[diagnostic.code]}"
    return ""


def _muted_by_sid(items: list[_Located], document: Any, name: str) -> list[LintResult]:
    """The results, muted where their statement's Sid names their code; a Sid ending in
    `LintIgnore` that spells no code is a notice on stderr"""
    codes, notices = sid_suppressions(document)
    for location, problem in notices:
        click.echo(f"notice: {name}: {location}: {problem}", err=True)
    return muted_by_sid([item.result(name) for item in items], codes)


_POLICY_WORDS = re.compile(r"Statement|AWSTemplateFormatVersion|AWS::|resource_changes")
"""Words a policy, a template or a plan holds: a found file that does not parse (a
multi-document or templated YAML file, JSON with comments) is skipped without them"""


def _is_policy_like(value: Any, text: str) -> bool:
    """Whether decoded data may be a policy: an object with `Statement` or `Version`, or
    text that is not a JSON object (JSON text in YAML, or text that is not JSON at all)
    naming a policy's elements (its diagnostics say what is wrong)"""
    if value is UNDECODED or isinstance(value, str):
        return _POLICY_WORDS.search(text) is not None
    return isinstance(value, dict) and ("Statement" in value or "Version" in value)


def _lint_found(
    found: FoundPolicy, name: str, activity: PolicyActivity | None = None
) -> list[LintResult]:
    if found.problem:
        diagnostic = Diagnostic(
            severity=DiagnosticSeverity.WARNING,
            code="policy_not_known",
            location="",
            message=found.problem,
        )
        return [_Located(diagnostic=diagnostic, found=found).result(name)]
    diagnostics = lint_policy(
        found.document,
        kind=found.kind,
        managed=found.managed,
        duplicate_keys=found.duplicates,
        size_limit=found.size_limit,
        is_trust=found.usage == "trust",
    )
    if activity is not None:
        diagnostics = (*diagnostics, *_only_reads(found, activity))
    items = [_Located(diagnostic=d, found=found) for d in diagnostics]
    return _muted_by_sid(items, found.document, name)


def _lint_variants(variants: Sequence[FoundPolicy], name: str) -> list[LintResult]:
    """The diagnostics of every value a policy may have when deployed (its `Fn::If`
    variants): one found in every variant once, any other once per variant it is found
    in, its message naming the conditions (`when IsProd is false`)"""
    linted = [_lint_found(variant, name) for variant in variants]
    if len(linted) == 1:
        return linted[0]

    def key(result: LintResult) -> tuple[str, str, str]:
        d = result.diagnostic
        return d.code, d.location, d.message

    common = set.intersection(*({key(r) for r in results} for results in linted))
    merged = [r for r in linted[0] if key(r) in common]
    for variant, results in zip(variants, linted, strict=True):
        when = ", ".join(
            f"{condition} is {str(value).lower()}"
            for condition, value in variant.conditions.items()
        )
        merged.extend(
            replace(
                r, diagnostic=replace(r.diagnostic, message=f"{r.diagnostic.message} (when {when})")
            )
            for r in results
            if key(r) not in common
        )
    return merged


def _only_reads(found: FoundPolicy, activity: PolicyActivity) -> tuple[Diagnostic, ...]:
    """The `activity_only_reads` suggestions of an account's identity policy (none for a
    policy that does not parse: its grammar errors are reported)"""
    uses = activity.uses_of(found.name) if found.usage == "identity" else ()
    if not uses:
        return ()
    try:
        policy = parse_policy(found.document, kind=PolicyKind.IDENTITY)
    except PolicySyntaxError:
        return ()
    return activity_suggestions(policy, uses, days=activity.days, catalog=load_catalog())


def _policy_activity(snapshot: Snapshot, db: Path, days: int) -> PolicyActivity:
    """What the account's principals did, from the store at `db` (opened read-only), and a
    note on stderr saying what was compared or why nothing was

    Raises:
        InputError: no activity store at `db`, or not one of this schema version.
    """
    # DuckDB and the event mapping load only when asked: `lint` runs in pre-commit hooks
    from iamwarden.activity.policy_use import policy_activity
    from iamwarden.activity.store import open_store

    with open_store(db, read_only=True) as store:
        activity = policy_activity(snapshot, store, catalog=load_catalog(), days=days)
    if activity.not_assessed:
        click.echo(
            f"note: --activity: activity_only_reads NOT ASSESSED: {activity.not_assessed}",
            err=True,
        )
    else:
        click.echo(
            f"note: --activity: identity policies compared with {counted(days, 'day')} of "
            "recorded calls "
            f"of {counted(len(activity.uses), 'principal')} ({db})",
            err=True,
        )
    return activity


_LINE_COLUMN = re.compile(r"line (\d+)(?::(\d+)| column (\d+))?")


def _line_column(text: str) -> tuple[int | None, int | None]:
    """(line, column) of `line L`, `line L:C` or JSON's `line L column C`, else (None, None)"""
    match = _LINE_COLUMN.search(text)
    if match is None:
        return None, None
    column = match.group(2) or match.group(3)
    return int(match.group(1)), int(column) if column else None


def _unreadable(error: InputError, name: str) -> LintResult:
    """A file of a directory that cannot be read (not text, a policy-like file that is not
    YAML, a template of the wrong shape): a `syntax` ERROR at that file and location"""
    diagnostic = Diagnostic(
        severity=DiagnosticSeverity.ERROR, code="syntax", location="", message=error.problem
    )
    return _Located(diagnostic=diagnostic, position=_line_column(error.location)).result(name)


def _plain_size_limit(usage: str, managed: bool) -> int | None:
    """IAM's quota for a plain policy file: managed, or the kind's own (trust, SCP, RCP);
    an inline identity policy's depends on its holder, which a file does not say"""
    return SIZE_LIMITS["managed"] if managed else SIZE_LIMITS.get(usage)


def _positions(text: str, name: str, located: Located) -> Located:
    """`located` with lines and columns: a YAML file has them; JSON text is composed as
    YAML (JSON's flow style is YAML) for them, and has none where that fails"""
    if located.lines:
        return located
    try:
        composed = located_yaml(compose_yaml(text, path=name))
    except InputError:
        return located
    return replace(located, lines=composed.lines, columns=composed.columns)


def _lint_text(
    text: str, name: str, usage: str, managed: bool, *, is_found: bool = False
) -> list[LintResult] | None:
    """The diagnostics of one file; None for a file found in a directory that is not a
    policy, a template or a plan (`package.json`, a workflow)"""
    found, located = found_policies(text, name)
    if found is None and is_found and not _is_policy_like(located.value, text):
        return None
    if found is not None:
        metadata_codes(found, name, {*registered_checks(), *CODES})
        return [item for group in policy_variants(found) for item in _lint_variants(group, name)]
    document: Any = text  # JSON: `lint_policy` reads the text (and its repeated keys)
    if is_yaml(name, text):
        document = located.value  # a policy object, or a string of JSON text
        if isinstance(document, str):
            check_json_depth(document, path=name)
    diagnostics = lint_policy(
        document,
        kind=kind_of_usage(usage),
        managed=managed,
        duplicate_keys=located.duplicates,
        size_limit=_plain_size_limit(usage, managed),
        is_trust=usage == "trust",
    )
    if diagnostics:
        located = _positions(text, name, located)
    items = [_Located(diagnostic=d, position=_position(d, located)) for d in diagnostics]
    return _muted_by_sid(items, document, name)


def _position(diagnostic: Diagnostic, located: Located) -> tuple[int | None, int | None]:
    """Where a plain file's diagnostic is: a document's syntax error where the JSON reader
    says (`line 4 column 67`), else at its element (line 1 when the file has no lines)"""
    if diagnostic.code == "syntax" and not diagnostic.location:
        found = _line_column(diagnostic.message)
        if found[0] is not None:
            return found
    position = located.position(diagnostic.location)
    return position if position[0] is not None else (1, None)


def _snapshot_policies(snapshot: Snapshot) -> Iterator[FoundPolicy]:
    """Every policy of an account: inline and trust policies, customer managed policies
    (AWS managed ones are AWS's: `benchmarks.lint` checks those; one used only as a
    permissions boundary is checked as a boundary), resource policies, and
    the organization's SCPs and RCPs on the account's path"""
    principal_groups = (snapshot.users, snapshot.groups, snapshot.roles)
    for principals in principal_groups:
        for principal in principals:
            holder = principal.arn.split(":", 5)[-1].split("/", 1)[0]
            for inline in principal.inline_policies:
                yield FoundPolicy(
                    usage="identity",
                    document=inline.document.text,
                    pointer=f"{principal.arn} inline policy `{inline.name}`",
                    name=principal.arn,
                    size_limit=SIZE_LIMITS.get(holder),
                )
    for role in snapshot.roles:
        yield FoundPolicy(
            usage="trust",
            document=role.trust_policy.text,
            pointer=f"{role.arn} trust policy",
            name=role.arn,
            size_limit=SIZE_LIMITS["trust"],
        )
    attached = {arn for group in principal_groups for p in group for arn in p.attached_policies}
    boundaries = {u.permissions_boundary for u in snapshot.users} | {
        r.permissions_boundary for r in snapshot.roles
    }
    for policy in snapshot.policies:
        if not policy.is_aws_managed:
            # a policy used only as a permissions boundary grants nothing: checked as one
            is_boundary = policy.arn in boundaries and policy.arn not in attached
            yield FoundPolicy(
                usage="boundary" if is_boundary else "identity",
                document=policy.document.text,
                pointer=policy.arn,
                name=policy.arn,
                managed=True,
                size_limit=SIZE_LIMITS["managed"],
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
                        size_limit=SIZE_LIMITS[usage],
                    )


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _files(path: Path) -> Iterator[Path]:
    """`path`, or the policy, template and plan files below a directory, sorted"""
    if not path.is_dir():
        yield path
        return
    for candidate in sorted(path.rglob("*")):  # links to folders are not followed: no loops
        found = suffixes(candidate.name)
        if (
            found
            and found[-1] in DIRECTORY_SUFFIXES
            and candidate.is_file()
            and not _is_hidden(candidate, path)
        ):
            yield candidate


_FAIL_ON = {severity.value: severity for severity in DiagnosticSeverity}


def _where(result: LintResult) -> str:
    if result.line is None:
        return "-"
    return f"{result.line}:{result.column}" if result.column is not None else f"{result.line}"


def _line_order(result: LintResult) -> tuple[bool, int, int]:
    """Text output's order within a file: by line and column, unlocated ones last"""
    return result.line is None, result.line or 0, result.column or 0


def _text_line(result: LintResult) -> str:
    d = result.diagnostic
    location = ".".join(p for p in (result.policy, d.location) if p) or "(document)"
    usage = f" ({result.usage})" if result.usage else ""
    muted = f" [suppressed: {result.suppression}]" if result.suppression else ""
    iam = f" [IAM: {d.iam_message}]" if d.iam_message else ""
    head = f"  {_where(result)}: {d.severity.value} {d.code}: {location}{usage}"
    return f"{head}: {d.message}{iam}{muted}"


def _json_data(result: LintResult) -> dict[str, Any]:
    d = result.diagnostic
    data: dict[str, Any] = {
        "severity": d.severity.value,
        "finding_type": d.severity.finding_type,
        "code": d.code,
        "location": d.location,
        "message": d.message,
        "line": result.line,
        "column": result.column,
        "suppressed": result.suppression or None,
    }
    if d.iam_message:
        data["iam_message"] = d.iam_message
    if result.policy or result.usage:
        data.update(policy=result.policy, resource=result.resource, type=result.usage)
    return data


def _list_codes() -> None:
    for spec in CODES.values():
        click.echo(f"{spec.code:38} {spec.severity.finding_type:17} {spec.title}")


@click.command(
    epilog="""\b
Examples:
  iamwarden lint policies/
  iamwarden lint template.yaml plan.json
  iamwarden lint --type trust --format json trust-policy.yaml
  iamwarden lint --format sarif --fail-on warning infra/ > lint.sarif
  iamwarden lint --snapshot account.json.gz
  iamwarden lint --snapshot account.json.gz --activity trail.duckdb --days 90
  iamwarden lint --list-codes
  iamwarden lint --skip-other-files $(git diff --name-only --cached)
  aws iam get-role-policy --role-name app --policy-name s3 --query PolicyDocument \\
      | iamwarden lint -

\b
Exit codes:
  0  no diagnostic at or above --fail-on (suppressed ones do not count)
  1  a diagnostic at or above --fail-on (default: error, which IAM would reject or
     which cannot work)
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
    "themselves; --kind is the old name; permissionsBoundary, as IAM's API names it, is "
    "boundary; session is checked against STS's 2,048-character limit).",
)
@click.option("--managed", is_flag=True, help="The policies are managed policies (Version floor).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="Output format: text grouped by file (LINE:COLUMN: class code: where: message), "
    "JSON diagnostics by file, or SARIF 2.1.0 for GitHub code scanning.",
)
@click.option(
    "--fail-on",
    type=click.Choice([*_FAIL_ON, "none"]),
    default="error",
    show_default=True,
    help="Exit 1 when a diagnostic of this class or a worse one is found (error > "
    "security_warning > warning > suggestion); none: never.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="iamwarden.toml whose archive rules (check_id = a lint code, resource_arn = a glob "
    "on the file path relative to the config file's folder) suppress diagnostics (default: "
    "./iamwarden.toml when present); expired rules mute nothing and are listed on stderr.",
)
@click.option(
    "--skip-other-files",
    is_flag=True,
    help="Skip a file named on the command line that is not a policy, a template or a plan "
    "(as a directory's are), e.g. package.json handed over by pre-commit.",
)
@click.option(
    "--activity",
    "activity_db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Activity store (`iamwarden activity ingest`): suggest read actions where an "
    "account's identity policy grants a wildcard with writes to principals whose recorded "
    "calls only read (activity_only_reads). Files, templates and plans have no principal: "
    "NOT ASSESSED for them.",
)
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="With --activity: the window, the last N days of the store's history (default 90).",
)
@click.option(
    "--list-codes",
    is_flag=True,
    help="Print every lint code with its class (ERROR, SECURITY_WARNING, WARNING, "
    "SUGGESTION) and title, and exit 0.",
)
@source_options
def lint(
    paths: tuple[Path, ...],
    usage: str,
    managed: bool,
    output_format: str,
    fail_on: str,
    config_file: Path | None,
    skip_other_files: bool,
    activity_db: Path | None,
    days: int | None,
    list_codes: bool,
    demo: bool,
    input_dir: Path | None,
    snapshot_file: Path | None,
    **_live: Any,
) -> None:
    """Lint IAM policies: policy files (JSON or YAML, - for standard input), directories of
    them, CloudFormation templates and Terraform JSON plans; exit 1 when any has a diagnostic
    at or above --fail-on (default: an error).

    Findings come in Access Analyzer's four classes: ERROR (IAM rejects it, with IAM's own
    message where known), SECURITY_WARNING, WARNING and SUGGESTION; `--list-codes` lists
    the codes.

    A file named .yaml or .yml is YAML; any other is JSON when its text starts with `{`,
    else YAML (a .json file is always JSON). A directory contributes its .json, .yaml, .yml
    and .template files, recursively (hidden folders skipped), except those that are not a
    policy (no `Statement` or `Version`), a template or a plan. A CloudFormation template or a
    Terraform plan (`terraform show -json PLAN`) is recognised by its content; each policy
    in it is checked as the kind of policy it is (a role's trust policy, a bucket policy,
    an SCP, ...) and located by line and column (JSON and YAML) and JSON path.

    Suppressions: a statement Sid ending in LintIgnore and one or more codes in CapWords
    (AdminLintIgnorePassRoleStar, XLintIgnorePassRoleStarSensitiveActionStar; one spelling
    no code is a notice), a template resource's Metadata (iamwarden: ignore:
    {pass_role_star: reason}; an unknown code is exit 2), or an iamwarden.toml archive rule
    (resource_arn relative to the config file's folder; an expired rule mutes nothing and
    is listed). Suppressed diagnostics are shown as such and never fail the run.

    With --demo, --input or --snapshot (or the live options, or no PATH at all: the account
    of boto3's default credentials), every policy of the account is linted too.
    """
    if list_codes:
        _list_codes()
        return
    usage = _KIND_ALIASES.get(usage, usage)
    if days is not None and activity_db is None:
        raise click.UsageError("--days is the window of --activity: give --activity DB")
    rules = load_rules(
        config_file, CONFIG_FILE, {*registered_checks(), *CODES}, datetime.now(UTC).date()
    )
    results: dict[str, list[LintResult]] = {}
    skipped = 0
    if not paths or demo or input_dir or snapshot_file:
        snapshot = load_source(demo=demo, input_dir=input_dir, snapshot_file=snapshot_file)
        source = (
            "demo" if demo else str(input_dir or snapshot_file or f"account {snapshot.account.id}")
        )
        activity = _policy_activity(snapshot, activity_db, days or 90) if activity_db else None
        results[source] = [
            item
            for found in _snapshot_policies(snapshot)
            for item in _lint_found(found, source, activity)
        ]
    if activity_db is not None and paths:
        click.echo(
            "note: --activity: the policies of files, templates and plans have no principal: "
            "activity_only_reads NOT ASSESSED for them",
            err=True,
        )
    for argument in paths:
        if str(argument) == "-":
            text = read_stream(sys.stdin.buffer, name=STDIN)
            results[STDIN] = _lint_text(text, STDIN, usage, managed) or []
            continue
        if not argument.exists():
            raise InputError("file not found", path=str(argument))
        for path in _files(argument):
            name = str(path)
            is_found = skip_other_files or path != argument
            try:
                text = read_text(path)
            except InputError as error:
                if not is_found:
                    raise
                results[name] = [_unreadable(error, name)]  # the other files are still linted
                continue
            try:
                linted = _lint_text(text, name, usage, managed, is_found=is_found)
            except InputError as error:
                if not is_found:
                    raise
                # a found file never ends the run: reported if it may be a policy, else skipped
                linted = [_unreadable(error, name)] if _POLICY_WORDS.search(text) else None
            if linted is None:
                skipped += 1
            else:
                results[name] = linted
    results = {name: [rules.apply(item) for item in items] for name, items in results.items()}
    for note in expired_notes(rules):
        click.echo(note, err=True)
    if output_format == "json":
        data = {name: [_json_data(item) for item in items] for name, items in results.items()}
        click.echo(json.dumps(data, indent=2, sort_keys=True))
    elif output_format == "sarif":
        click.echo(render_lint_sarif(i for items in results.values() for i in items), nl=False)
    else:
        for name in sorted(results):
            if results[name]:
                click.echo(name)
                for item in sorted(results[name], key=_line_order):
                    click.echo(_text_line(item))
        count = sum(len(items) for items in results.values())
        summary = f"{counted(len(results), 'file')}, {counted(count, 'diagnostic')}"
        muted = sum(item.is_suppressed for items in results.values() for item in items)
        if muted:
            summary += f" ({muted} suppressed)"
        if skipped:
            summary += f" ({counted(skipped, 'file')} skipped: not a policy, template or plan)"
        click.echo(summary, err=True)
    threshold = _FAIL_ON.get(fail_on)
    if threshold is not None and any(
        item.diagnostic.severity.at_least(threshold) and not item.is_suppressed
        for items in results.values()
        for item in items
    ):
        sys.exit(ExitCode.FINDINGS)
