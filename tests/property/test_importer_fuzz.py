"""Random and mutated exports make the importer raise `SnapshotFormatError` and nothing else"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamwarden.errors import SnapshotFormatError
from iamwarden.snapshot import (
    import_cloudmapper,
    parse_authorization_details,
    parse_credential_report,
)
from iamwarden.snapshot.extras import JsonNode, parse_compute, parse_organization
from tests.builders import CSV, auth_details, write_export

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["", "*", "{", "%7B", "2024-01-01T00:00:00Z", "N/A", "Allow", "arn:aws:x"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside nested lists and dicts"""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, original: Any) -> Any:
    """`original` with one to three values replaced by random JSON or removed"""
    data = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            return draw(json_values)
        path = draw(st.sampled_from(paths))
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return data


def _only_format_errors(call: Any, *args: Any) -> None:
    try:
        call(*args)
    except SnapshotFormatError as error:
        assert str(error)  # one printable line
        assert "\n" not in error.problem.strip()


@SETTINGS
@given(json_values)
def test_random_json_as_authorization_details(data: Any) -> None:
    _only_format_errors(parse_authorization_details, data)


@SETTINGS
@given(mutated(auth_details()))
def test_mutated_authorization_details(data: Any) -> None:
    _only_format_errors(parse_authorization_details, data)


@SETTINGS
@given(mutated([auth_details(), auth_details(account="444455556666")]))
def test_mutated_pages(data: Any) -> None:
    _only_format_errors(parse_authorization_details, data)


@SETTINGS
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_random_credential_report(content: str | bytes) -> None:
    _only_format_errors(parse_credential_report, content)


@st.composite
def mutated_csv(draw: st.DrawFn) -> str:
    """The test report with a field replaced, the text cut, or characters inserted"""
    lines = [line.split(",") for line in CSV.split("\n")]
    row = draw(st.integers(0, len(lines) - 1))
    column = draw(st.integers(0, len(lines[row]) - 1))
    lines[row][column] = draw(st.one_of(st.text(max_size=12), scalars.map(str)))
    text = "\n".join(",".join(line) for line in lines)
    cut = draw(st.integers(len(text) // 3, len(text)))
    inserted = draw(st.text(alphabet=',"\n\r\x00ab', max_size=3))
    return text[:cut] + inserted + text[cut:] if draw(st.booleans()) else text[:cut]


@SETTINGS
@given(mutated_csv())
def test_mutated_credential_report(content: str) -> None:
    _only_format_errors(parse_credential_report, content)


@SETTINGS
@given(json_values, json_values)
def test_random_extra_files(organization: Any, compute: Any) -> None:
    _only_format_errors(parse_organization, JsonNode(organization, at="$", path="o"), "1")
    _only_format_errors(parse_compute, JsonNode(compute, at="$", path="c"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mutated(auth_details()),
    st.one_of(json_values, mutated({"Content": CSV})),
    st.binary(max_size=60),
)
def test_import_of_mutated_export(details: Any, report: Any, raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        account = write_export(
            Path(tmp),
            {
                "iam-get-account-authorization-details.json": details,
                "iam-get-credential-report.json": report,
                "iam-get-account-summary.json": raw,
                "/organizations.json": json.dumps(report),
            },
        )
        _only_format_errors(import_cloudmapper, account)
