"""Reading a file that holds policies: a policy file (JSON or YAML), a CloudFormation
template or a Terraform JSON plan, told apart by name and content

Shared by `iamwarden lint` (every policy of a file) and `iamwarden check` (one policy of a
template or plan, `--policy`). The text comes in already read through the guarded reader;
this module decodes it and finds the policies (`iamwarden.policy.sources`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from iamwarden.cli.files import check_json_depth
from iamwarden.errors import InputError
from iamwarden.fileio import compose_yaml
from iamwarden.policy.sources import (
    FoundPolicy,
    Located,
    cloudformation_policies,
    intrinsic_tag,
    is_cloudformation,
    is_terraform_plan,
    located_yaml,
    terraform_policies,
)

__all__ = ["PLAN_LINES_LIMIT", "UNDECODED", "found_policies", "is_yaml", "located_text", "suffixes"]

UNDECODED = object()
"""The decoded value of text that is not JSON (a policy file's `syntax` diagnostics say why)"""


def suffixes(name: str) -> list[str]:
    """The file name's suffixes, lowercase, without `.gz`"""
    return [s.lower() for s in Path(name).suffixes if s.lower() != ".gz"]


def is_yaml(name: str, text: str) -> bool:
    """Whether a file is read as YAML: named `.yaml` / `.yml`, or not `.json` and its text
    does not start with `{`"""
    found = suffixes(name)
    if found and found[-1] in (".yaml", ".yml"):
        return True
    if found and found[-1] == ".json":
        return False
    return not text.lstrip().startswith("{")


def located_text(text: str, name: str) -> Located:
    """The YAML (or JSON) text's located value, CloudFormation tags as their long forms

    Raises:
        InputError: the text is not YAML (or over the reader's limits), naming `name`.
    """
    try:
        return located_yaml(compose_yaml(text, path=name), application_tag=intrinsic_tag)
    except InputError as error:
        raise error if error.path else error.with_path(name) from None


PLAN_LINES_LIMIT = 1_000_000
"""The largest plan (characters) whose policies are given lines: JSON is composed as YAML
for them, about a second per megabyte"""


def _with_lines(found: list[FoundPolicy], text: str, name: str) -> list[FoundPolicy]:
    """A JSON plan's policies with the line and column of each policy value in the file (of
    the nearest enclosing value where the policy is not in it)"""
    if len(text) > PLAN_LINES_LIMIT:
        return found
    try:
        located = located_text(text, name)
    except InputError:
        return found
    placed = []
    for policy in found:
        line, column = located.position(policy.pointer)  # else its resource's
        if policy.line is not None or line is None:
            placed.append(policy)
            continue
        columns = {"": column} if column is not None else {}
        placed.append(replace(policy, line=line, lines={"": line}, columns=columns))
    return placed


def found_policies(text: str, name: str) -> tuple[list[FoundPolicy] | None, Located]:
    """The policies of a template or plan (None when the text is neither), and the decoded
    text (`UNDECODED` when it is not JSON: a policy file's `syntax` diagnostics say why),
    with its lines and repeated keys when it is YAML

    Raises:
        InputError: YAML that cannot be read, or a template or plan not of the expected
            shape (one line: file, location, problem).
    """
    try:
        if is_yaml(name, text):
            located = located_text(text, name)
            if is_cloudformation(located.value):
                return list(cloudformation_policies(located)), located
            return None, located
        check_json_depth(text, path=name)
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            return None, Located(value=UNDECODED)
        if is_terraform_plan(value):
            return _with_lines(list(terraform_policies(value)), text, name), Located(value=value)
        if is_cloudformation(value):
            try:  # JSON is YAML: its node tree gives the lines
                located = located_text(text, name)
            except InputError:
                located = Located(value=value)
            found = cloudformation_policies(
                Located(value=value, lines=located.lines, columns=located.columns)
            )
            return list(found), Located(value=value)
        return None, Located(value=value)
    except InputError as error:
        raise error if error.path else error.with_path(name) from None
