"""The guarded YAML reader builds the value `yaml.load` builds (hypothesis)

`parse_yaml` builds common documents straight from libyaml's events, with PyYAML's own
resolvers and scalar constructors; every document must decode to what PyYAML's safe
loader returns, and a document PyYAML rejects must be rejected.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamwarden.errors import InputError
from iamwarden.fileio import DuplicateKey, compose_yaml, parse_yaml
from iamwarden.policy.sources import located_yaml

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(
        ["yes", "No", "on", "~", "null", "0x1F", "1_000", "1:30", ".inf", "2001-12-14", "=", "<<"]
    )
    | st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 1, 1))
)
keys = st.text(max_size=8) | st.integers(-100, 100) | st.booleans() | st.none()
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


def _outcome(load: Any, text: str) -> tuple[str, Any]:
    try:
        return ("value", load(text))
    except (yaml.YAMLError, InputError, ValueError):
        return ("error", None)


def _same(value: Any, expected: Any) -> bool:
    # NaN-free data: plain equality, with types (True == 1 would hide a wrong resolution)
    if type(value) is not type(expected):
        return False
    if isinstance(value, dict):
        return value.keys() == expected.keys() and all(_same(value[k], expected[k]) for k in value)
    if isinstance(value, list):
        return len(value) == len(expected) and all(
            _same(a, b) for a, b in zip(value, expected, strict=True)
        )
    return bool(value == expected)


@given(documents, st.sampled_from([None, True, False]), st.booleans())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_dumped_documents_load_as_pyyaml_loads_them(
    data: Any, flow: bool | None, canonical: bool
) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, canonical=canonical)
    expected = yaml.load(text, Loader=_LOADER)
    assert _same(parse_yaml(text), expected), text


@given(st.text(alphabet="ab1:-[]{},'\"!&*?<=~ .\n#", max_size=40))
@settings(max_examples=500, deadline=None)
def test_any_text_is_read_or_rejected_as_pyyaml_does(text: str) -> None:
    kind, expected = _outcome(lambda t: yaml.load(t, Loader=_LOADER), text)
    got_kind, got = _outcome(parse_yaml, text)
    assert got_kind == kind, text
    if kind == "value":
        assert _same(got, expected), text


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1, 2]\nb: *x\n",  # aliases
        "base: &b {k: 1}\nmerged:\n  <<: *b\n  j: 2\n",  # merge keys
        "x: !!str 1\ny: !!binary aGk=\nz: !!set {a, b}\n",  # explicit tags
        "- ! 3\n- ! '4'\n- ! [1]\n",  # the non-specific tag
        "{a: 1, a: 2}\n",  # a duplicate key: the last wins
        "t: 2002-12-14t21:59:43.10-05:00\nn: .NaN\nb: [yes, Off]\n",
        "",
        "plain\n",
    ],
)
def test_documents_beyond_the_common_shape(text: str) -> None:
    expected = yaml.load(text, Loader=_LOADER)
    got = parse_yaml(text)
    if isinstance(expected, dict) and isinstance(expected.get("n"), float):
        assert got["n"] != got["n"]  # NaN
        expected.pop("n"), got.pop("n")
    assert _same(got, expected)


_TAGS = (
    "timestamp", "bool", "int", "float", "binary", "null", "str",
    "set", "map", "seq", "omap", "pairs", "merge", "value", "unknown",
)  # fmt: skip
tagged_values = st.builds(
    lambda tag, body: f"!!{tag} {body}",
    st.sampled_from(_TAGS),
    st.text(alphabet="az019-:.TZ +_=", max_size=24).map(lambda t: t.strip() or "''")
    | st.text(max_size=12).map(lambda t: '"' + t.replace("\\", "").replace('"', "") + '"')
    | st.sampled_from(["[a]", "[]", "{a: 1}", "{a, b}", "[{a: 1}]", "{[a]: b}", '""', "~"]),
)


@given(tagged_values, st.sampled_from(["k: {}\n", "- {}\n", "k: [x, {}]\n", "{{a: {}}}\n"]))
@settings(max_examples=400, deadline=None)
def test_explicit_tags_are_read_or_refused_with_a_location(value: str, shape: str) -> None:
    # every reader path: the event builder, the full loader (with and without noting
    # duplicate keys), and the located reader of composed nodes (lint, rules, templates)
    text = shape.format(value)
    readers = (
        lambda t: parse_yaml(t, path="f.yaml"),
        lambda t: parse_yaml(t, path="f.yaml", duplicates=list[DuplicateKey]()),
        lambda t: located_yaml(compose_yaml(t, path="f.yaml")),
    )
    for read in readers:
        try:
            read(text)
        except InputError as error:
            assert error.location.startswith("line "), (text, str(error))
            assert "\n" not in str(error)
