"""Records of an assessment: from the `Assessment` and from its JSON report give the same
record, and a bad JSON report is one `InputError` at its JSON path (fuzzed)"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamwarden.analysis import Assessment
from iamwarden.errors import InputError
from iamwarden.report import render_json
from iamwarden.report.history import record_from_json, record_of


@pytest.fixture(scope="module")
def report(demo_assessment: Assessment) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render_json(demo_assessment))
    return data


def test_the_json_report_gives_the_assessments_record(
    demo_assessment: Assessment, report: dict[str, Any]
) -> None:
    assert record_from_json(report, path="r.json") == record_of(demo_assessment)


def test_the_record_holds_every_finding_with_its_stable_id(demo_assessment: Assessment) -> None:
    record = record_of(demo_assessment)
    assert [f.id for f in record.findings] == sorted(f.id for f in demo_assessment.findings)
    by_id = {f.id: f for f in demo_assessment.findings}
    for stored in record.findings:
        original = by_id[stored.id]
        assert (stored.check_id, stored.resource_arn, stored.status, stored.severity) == (
            original.check_id,
            original.resource_arn,
            original.status,
            original.severity,
        )
    assert record.account_id == demo_assessment.account_id
    assert record.scores[0].framework == demo_assessment.framework.name


def _broken(report: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(report)
    target = data
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("schema_version",), 2, "r.json: $.schema_version: not an iamwarden JSON assessment"),
        (("findings", 3, "status"), "BROKEN", "r.json: $.findings[3].status: `BROKEN` is not one"),
        (("findings", 0, "id"), KeyError, "r.json: $.findings[0]: missing `id`"),
        (("findings",), {}, "r.json: $.findings: expected a list"),
        (("assessment_date",), "yesterday", "r.json: $.assessment_date: `yesterday` is not an"),
        (("account",), KeyError, "r.json: $: missing `account`"),
        (
            ("summary", "compliance_score", "passed"),
            99,
            "r.json: $.summary.compliance_score.passed: more controls passed than assessed",
        ),
    ],
)
def test_a_bad_report_is_one_located_error(
    report: dict[str, Any], path: tuple[Any, ...], value: Any, message: str
) -> None:
    broken = _broken(report, path, value)
    broken.pop("frameworks", None)
    with pytest.raises(InputError) as caught:
        record_from_json(broken, path="r.json")
    assert str(caught.value).startswith(message)


def test_a_finding_id_twice_is_refused(report: dict[str, Any]) -> None:
    data = copy.deepcopy(report)
    data["findings"].append(data["findings"][0])
    with pytest.raises(InputError, match=r"\$\.findings\[\d+\]\.id: finding id `iw-.*` appears"):
        record_from_json(data, path="r.json")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def small_report(report: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """The report cut to three findings, and the path of every value in it"""
    small = copy.deepcopy(report)
    small["findings"] = small["findings"][:3]
    small.pop("checks"), small.pop("compliance")
    paths: list[tuple[Any, ...]] = []

    def walk(value: Any, at: tuple[Any, ...]) -> None:
        paths.append(at)
        if isinstance(value, dict):
            for key, child in value.items():
                walk(child, (*at, key))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                walk(child, (*at, index))

    walk(small, ())
    return small, paths[1:]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_fuzzed_reports_are_read_or_refused_in_one_line(
    small_report: tuple[dict[str, Any], list[tuple[Any, ...]]], data: st.DataObject
) -> None:
    """Any JSON value, or the real report with one value replaced or removed anywhere, is a
    record or one `InputError`, never another exception"""
    small, paths = small_report
    path = data.draw(st.sampled_from(paths))
    replacement = data.draw(st.just(KeyError) | _json)
    candidate = data.draw(st.sampled_from([_broken(small, path, replacement), data.draw(_json)]))
    try:
        record = record_from_json(candidate, path="fuzz.json")
    except InputError as error:
        assert "\n" not in str(error) and str(error).startswith("fuzz.json: $")
    else:
        assert record.account_id and len(record.findings) <= 3
