"""The reports' JSON text: the bytes the standard library writes, faster"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iamwarden.report.jsontext import json_text

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    # in exponent form (below 1e-4, from 1e16) orjson writes `1e-7` where json writes `1e-07`
    | st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15).filter(
        lambda number: number == 0 or abs(number) >= 1e-4
    )
    | st.text()
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


def _standard(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@given(_VALUES)
def test_the_same_text_as_the_standard_library(value: Any) -> None:
    assert json_text(value) == _standard(value)


def test_unicode_is_written_as_is_and_tuples_as_arrays() -> None:
    value = {"b": ("é", "<script>"), "a": {"z": 1.5, "y": None}}
    assert json_text(value) == _standard(value)
    assert "é" in json_text(value)


def test_key_order_is_kept_when_asked() -> None:
    assert json_text({"b": 1, "a": 2}, sort_keys=False).index('"b"') == 4


def test_what_json_cannot_hold_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        json_text({"a": object()})


def test_a_float_in_exponent_form_is_still_the_same_number() -> None:
    assert json.loads(json_text(1.3e-07)) == 1.3e-07
