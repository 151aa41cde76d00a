"""Nested, aliased and truncated documents through every command's entry point (click's
CliRunner): exit 2 with one `error:` line and no traceback; a byte order mark or gzip
content under a `.json` name reads as the plain file does"""

from __future__ import annotations

import dataclasses
import gzip
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamwarden.cli.main import cli
from iamwarden.errors import InputError
from iamwarden.fileio import MAX_ALIAS_EXPANSION, MAX_DEPTH, check_json_depth
from iamwarden.snapshot import Account, demo_snapshot, dump_snapshot, snapshot_to_json

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AUTH = "iam-get-account-authorization-details.json"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}],
}
SCENARIOS = {
    "scenarios": [
        {
            "name": "s",
            "principal": "arn:aws:iam::111122223333:user/alice",
            "identity_policies": [POLICY],
            "requests": [{"action": "s3:GetObject", "expect": "allowed"}],
        }
    ]
}
SUPPRESSIONS = {"suppressions": [{"check_id": "root_access_key_absent", "reason": "r"}]}
_DEMO_SNAPSHOT = json.dumps(snapshot_to_json(demo_snapshot()))


def _index(directory: Path, content: bytes) -> list[str]:
    member = dataclasses.replace(demo_snapshot(), account=Account(id="111111111111"))
    dump_snapshot(member, directory / "111111111111.json")  # the index id is its account's
    (directory / "organization.json").write_bytes(content)
    return ["assess", "--org-index", str(directory), "--report-dir", str(directory / "r")]


def _export(directory: Path, content: bytes) -> list[str]:
    (directory / "us-east-1").mkdir()
    (directory / "us-east-1" / AUTH).write_bytes(content)
    return ["assess", "--input", str(directory)]


def _converted(directory: Path, content: bytes) -> list[str]:
    (directory / "in.json").write_bytes(content)
    return ["snapshot", "--snapshot", str(directory / "in.json"), "-o", str(directory / "o.json")]


def _file(name: str, *args: str) -> Callable[[Path, bytes], list[str]]:
    def arguments(directory: Path, content: bytes) -> list[str]:
        path = directory / name
        path.write_bytes(content)
        return [a.replace("{}", str(path)) for a in args]

    return arguments


# entry point -> how a file's content reaches it
JSON_ENTRIES = {
    "lint": _file("p.json", "lint", "{}"),
    "assess --snapshot": _file("s.json", "assess", "--snapshot", "{}"),
    "snapshot --snapshot": _converted,
    "assess --input": _export,
    "assess --org-index": _index,
}
YAML_ENTRIES = {
    "simulate --scenarios": _file("s.yaml", "simulate", "--scenarios", "{}"),
    "assess --suppressions": _file("r.yaml", "assess", "--demo", "--suppressions", "{}"),
}
ENTRIES = {**JSON_ENTRIES, **YAML_ENTRIES}
VALID = {
    "lint": json.dumps(POLICY),
    "assess --snapshot": _DEMO_SNAPSHOT,
    "snapshot --snapshot": _DEMO_SNAPSHOT,
    "assess --input": json.dumps({"UserDetailList": [], "RoleDetailList": []}),
    "assess --org-index": json.dumps(
        {
            "schema_version": 1,
            "organization_id": "o-1",
            "management_account_id": "111111111111",
            "accounts": [{"id": "111111111111", "snapshot": "111111111111.json"}],
        }
    ),
    "simulate --scenarios": json.dumps(SCENARIOS),
    "assess --suppressions": json.dumps(SUPPRESSIONS),
}


def _run(entry: str, content: bytes) -> Result:
    with tempfile.TemporaryDirectory() as directory:
        arguments = ENTRIES[entry](Path(directory), content)
        return CliRunner().invoke(cli, arguments)


def _no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output


def _one_error_line(result: Result) -> str:
    _no_traceback(result)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@st.composite
def nested(draw: st.DrawFn) -> str:
    """A JSON (and YAML flow) document nested beyond the limit, lists and objects mixed"""
    depth = draw(st.integers(MAX_DEPTH + 1, 20_000))
    kinds = draw(st.lists(st.booleans(), min_size=1, max_size=8))
    opening, closing = [], []
    for level in range(depth):
        is_list = kinds[level % len(kinds)]
        opening.append("[" if is_list else '{"k": ')
        closing.append("]" if is_list else "}")
    return '{"x": ' + "".join(opening) + "1" + "".join(reversed(closing)) + "}"


@st.composite
def laughs(draw: st.DrawFn) -> str:
    """A YAML document whose aliases expand beyond the bound (a "billion laughs")"""
    width = draw(st.integers(2, 12))
    levels = draw(st.integers(3, 12))
    while width**levels <= MAX_ALIAS_EXPANSION:
        levels += 1
    lines = ["l0: &l0 [" + ",".join(["lol"] * width) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * width) + "]")
    key = draw(st.sampled_from(["scenarios", "suppressions", "other"]))
    return "\n".join(lines) + f"\n{key}: *l{levels}\n"


@SETTINGS
@given(st.sampled_from(sorted(ENTRIES)), nested())
def test_nesting_beyond_the_limit_is_one_line(entry: str, document: str) -> None:
    line = _one_error_line(_run(entry, document.encode()))
    assert "nested too deeply" in line


def _deep(depth: int, is_list: bool) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value] if is_list else {"k": value}
    return value


def _with_deep(entry: str, deep: Any) -> str:
    """The valid document of `entry` with `deep` where the command walks it (a policy's
    condition, a field it reads), not where it is ignored"""
    condition = {"StringEquals": {"aws:username": deep}}
    if entry == "lint":
        return json.dumps(
            {**POLICY, "Statement": [{**POLICY["Statement"][0], "Condition": condition}]}
        )
    if entry in ("assess --snapshot", "snapshot --snapshot"):
        data = json.loads(_DEMO_SNAPSHOT)
        data["snapshot"]["policies"][0]["versions"][0]["document"]["Statement"] = [
            {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}
        ]
        return json.dumps(data)
    if entry == "simulate --scenarios":
        data = json.loads(VALID[entry])
        data["scenarios"][0]["identity_policies"][0]["Statement"][0]["Condition"] = condition
        return json.dumps(data)
    if entry == "assess --suppressions":
        return json.dumps(
            {"suppressions": [{"check_id": "root_access_key_absent", "reason": deep}]}
        )
    data = json.loads(VALID[entry])
    data["accounts" if entry == "assess --org-index" else "UserDetailList"] = deep
    return json.dumps(data)


@SETTINGS
@given(st.sampled_from(sorted(ENTRIES)), st.integers(1, MAX_DEPTH - 8), st.booleans())
def test_nesting_within_the_limit_never_breaks_a_command(
    entry: str, depth: int, is_list: bool
) -> None:
    """Any depth the reader accepts is safe for every recursive step after it"""
    result = _run(entry, _with_deep(entry, _deep(depth, is_list)).encode())
    _no_traceback(result)
    if result.exit_code == 2:
        _one_error_line(result)


@SETTINGS
@given(st.sampled_from(sorted(YAML_ENTRIES)), laughs())
def test_yaml_alias_bombs_are_refused(entry: str, document: str) -> None:
    line = _one_error_line(_run(entry, document.encode()))
    assert line.endswith(f"YAML aliases expand to more than {MAX_ALIAS_EXPANSION} nodes")


@SETTINGS
@given(st.sampled_from(sorted(JSON_ENTRIES)), laughs())
def test_yaml_aliases_in_json_inputs_are_not_json(entry: str, document: str) -> None:
    result = _run(entry, document.encode())
    if entry == "lint":  # lint reports text that is not JSON as a `syntax` diagnostic
        _no_traceback(result)
        assert result.exit_code == 1 and "syntax" in result.output
    else:
        assert "invalid JSON" in _one_error_line(result)


@SETTINGS
@given(st.sampled_from(sorted(ENTRIES)), st.data())
def test_truncated_documents(entry: str, data: st.DataObject) -> None:
    text = VALID[entry]
    cut = data.draw(st.integers(0, len(text) - 1))
    result = _run(entry, text[:cut].encode())
    if entry == "lint":
        _no_traceback(result)
        assert result.exit_code == 1  # a `syntax` diagnostic: lint's contract
    elif entry in JSON_ENTRIES:
        _one_error_line(result)  # a prefix of a JSON object is never JSON
    else:  # a prefix of YAML may still be a (shorter) valid document
        _no_traceback(result)
        if result.exit_code == 2:
            _one_error_line(result)


@SETTINGS
@given(st.sampled_from(sorted(ENTRIES)), st.data())
def test_truncated_gzip_is_one_line(entry: str, data: st.DataObject) -> None:
    packed = gzip.compress(VALID[entry].encode())
    cut = data.draw(st.integers(2, len(packed) - 1))
    line = _one_error_line(_run(entry, packed[:cut]))
    assert "gzip" in line


@settings(max_examples=12, deadline=None)
@given(
    st.sampled_from(sorted(ENTRIES)),
    st.booleans(),
    st.booleans(),
)
def test_bom_and_gzip_content_read_as_usual(entry: str, has_bom: bool, is_gzip: bool) -> None:
    plain = VALID[entry].encode()
    content = (b"\xef\xbb\xbf" if has_bom else b"") + plain
    if is_gzip:
        content = gzip.compress(content)
    assert _outcome(entry, content) == _outcome(entry, plain)


def _outcome(entry: str, content: bytes) -> tuple[int, str]:
    """Exit code and output of a run, with its temporary folder's name taken out"""
    with tempfile.TemporaryDirectory() as directory:
        result = CliRunner().invoke(cli, ENTRIES[entry](Path(directory), content))
    _no_traceback(result)
    return result.exit_code, result.output.replace(directory, "<dir>")


_tricky_text = st.text(alphabet=st.sampled_from('[]{}"\\ab\n\u00e9'), max_size=12)
_values = st.recursive(
    st.one_of(st.none(), st.integers(), _tricky_text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_tricky_text, inner, max_size=3)
    ),
    max_leaves=30,
)


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, list | dict):
            level += 1
            deepest = max(deepest, level)
            stack.extend(
                (child, level) for child in (item.values() if isinstance(item, dict) else item)
            )
    return deepest


@settings(max_examples=300, deadline=None)
@given(_values, st.booleans(), st.sampled_from([None, 1]))
def test_depth_check_counts_exactly_the_structure(value: Any, is_ascii: bool, indent: Any) -> None:
    """Brackets, quotes and backslashes inside strings never count; the bound is exact"""
    text = json.dumps(value, ensure_ascii=is_ascii, indent=indent)
    depth = _depth(value)
    check_json_depth(text, max_depth=depth)
    if depth:
        with pytest.raises(InputError, match="nested too deeply"):
            check_json_depth(text, max_depth=depth - 1)
