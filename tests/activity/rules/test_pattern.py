"""The EventBridge pattern matcher, operator by operator, on the examples of the EventBridge
User Guide: "Content filtering in Amazon EventBridge event patterns"
(eb-event-patterns-content-based-filtering.md), "Comparison operators for use in event
patterns" (eb-create-pattern-operators.md), "Arrays in Amazon EventBridge event patterns"
(eb-event-patterns-arrays.md) and "Matching null values and empty strings"
(eb-event-patterns-null-values.md)"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iamwarden.activity.rules import PatternError, compile_pattern, exact_values


def _matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    return compile_pattern(pattern).matches(event)


EC2_EVENT = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-abcd1111", "state": "pending"},
}


def test_exact_strings_and_and_across_fields() -> None:
    """eb-event-patterns.md: every field must match; any value of a field's array may"""
    pattern = {"source": ["aws.ec2"], "detail": {"state": ["running", "pending"]}}
    assert _matches(pattern, EC2_EVENT)
    assert not _matches({**pattern, "source": ["aws.s3"]}, EC2_EVENT)
    assert not _matches({"detail": {"state": ["Pending"]}}, EC2_EVENT)  # case-sensitive


def test_numbers_booleans_and_null_match_only_their_json_type() -> None:
    """Exact values are compared by JSON type: 300 matches 300.0, never "300" or true"""
    assert _matches({"detail": {"n": [300]}}, {"detail": {"n": 300.0}})
    assert not _matches({"detail": {"n": [300]}}, {"detail": {"n": "300"}})
    assert not _matches({"detail": {"n": ["300"]}}, {"detail": {"n": 300}})
    assert _matches({"detail": {"b": [True]}}, {"detail": {"b": True}})
    assert not _matches({"detail": {"b": [True]}}, {"detail": {"b": 1}})
    assert not _matches({"detail": {"n": [1]}}, {"detail": {"n": True}})


def test_null_and_empty_string_are_not_interchangeable() -> None:
    """eb-event-patterns-null-values.md"""
    event = {"detail": {"eventVersion": "", "responseElements": None}}
    assert _matches({"detail": {"eventVersion": [""]}}, event)
    assert _matches({"detail": {"responseElements": [None]}}, event)
    assert not _matches({"detail": {"responseElements": [""]}}, event)
    assert not _matches({"detail": {"eventVersion": [None]}}, event)
    assert not _matches({"detail": {"absent": [None]}}, event)  # absent is not null


def test_arrays_in_events_match_when_any_element_matches() -> None:
    """eb-event-patterns-arrays.md: the intersection of the two arrays is non-empty"""
    pattern = {
        "resources": [
            "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
            "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f",
        ]
    }
    event = {
        "resources": [
            "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-"
            "b893-d5978ed4a025:autoScalingGroupName/ASGTerminate",
            "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
        ]
    }
    assert _matches(pattern, event)
    assert not _matches(pattern, {"resources": [event["resources"][0]]})


def test_arrays_of_objects_match_when_any_object_matches() -> None:
    pattern = {"detail": {"items": {"userId": ["111122223333"]}}}
    event = {"detail": {"items": [{"group": "all"}, {"userId": "111122223333"}]}}
    assert _matches(pattern, event)
    assert not _matches(pattern, {"detail": {"items": [{"userId": "444455556666"}]}})


def test_prefix() -> None:
    """Prefix matching: `"time": [{"prefix": "2017-10-02"}]`; string values only"""
    pattern = {"time": [{"prefix": "2017-10-02"}]}
    assert _matches(pattern, {"time": "2017-10-02T18:43:48Z"})
    assert not _matches(pattern, {"time": "2017-10-03T18:43:48Z"})
    assert _matches(
        {"source": ["aws.autoscaling"], "region": [{"prefix": "eu-"}]},
        {"source": "aws.autoscaling", "region": "eu-west-1"},
    )
    assert not _matches({"n": [{"prefix": "1"}]}, {"n": 12})


def test_prefix_and_suffix_ignoring_case() -> None:
    """Begins with / ends with (ignore case): `{"prefix": {"equals-ignore-case": "EventB"}}`"""
    prefix = {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}}
    for value in ("EventBridge", "EVENTBRIDGE", "eventbus"):
        assert _matches(prefix, {"detail": {"service": value}})
    assert not _matches(prefix, {"detail": {"service": "SQS"}})
    suffix = {"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}
    assert _matches(suffix, {"detail": {"FileName": "photo.PNG"}})
    assert not _matches(suffix, {"detail": {"FileName": "photo.jpg"}})


def test_suffix() -> None:
    """Ends with: `"FileName": [{"suffix": ".png"}]`"""
    pattern = {"FileName": [{"suffix": ".png"}]}
    assert _matches(pattern, {"FileName": "image.png"})
    assert not _matches(pattern, {"FileName": "image.PNG"})


def test_anything_but_a_string_a_number_and_lists() -> None:
    """Anything-but matching with strings, numbers and lists of either"""
    state = {"detail": {"state": [{"anything-but": "initializing"}]}}
    assert _matches(state, {"detail": {"state": "running"}})
    assert not _matches(state, {"detail": {"state": "initializing"}})
    limit = {"detail": {"x-limit": [{"anything-but": 123}]}}
    assert _matches(limit, {"detail": {"x-limit": 124}})
    assert not _matches(limit, {"detail": {"x-limit": 123}})
    states = {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}
    assert _matches(states, {"detail": {"state": "running"}})
    assert not _matches(states, {"detail": {"state": "overloaded"}})
    limits = {"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}
    assert _matches(limits, {"detail": {"x-limit": 150}})
    assert not _matches(limits, {"detail": {"x-limit": 200.0}})
    sources = {"source": [{"anything-but": ["aws.ec2", "aws.s3"]}]}
    assert _matches(sources, {"source": "aws.iam"})
    assert not _matches(sources, {"source": "aws.s3"})


def test_anything_but_needs_the_field() -> None:
    """anything-but matches a value other than those listed: an absent field has none"""
    assert not _matches({"detail": {"state": [{"anything-but": "x"}]}}, {"detail": {}})


def test_anything_but_prefix_suffix_ignore_case_and_wildcard() -> None:
    """Anything-but (begins with, ends with, ignore case, wildcard)"""
    region = {"Region": [{"anything-but": {"prefix": "us-"}}]}
    assert _matches(region, {"Region": "eu-west-1"})
    assert not _matches(region, {"Region": "us-east-1"})
    own = {"source": [{"anything-but": {"prefix": "aws."}}]}
    assert _matches(own, {"source": "com.example.app"})
    assert not _matches(own, {"source": "aws.ec2"})
    png = {"FileName": [{"anything-but": {"suffix": ".png"}}]}
    assert _matches(png, {"FileName": "a.jpg"})
    assert not _matches(png, {"FileName": "a.png"})
    state = {"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]}
    assert _matches(state, {"state": "running"})
    assert not _matches(state, {"state": "INITIALIZING"})
    states = {"state": [{"anything-but": {"equals-ignore-case": ["stopped", "overloaded"]}}]}
    assert not _matches(states, {"state": "Stopped"})
    lib = {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}
    assert _matches(lib, {"FilePath": "/usr/bin/env"})
    assert not _matches(lib, {"FilePath": "/usr/lib/x.so"})


def test_numeric_ranges() -> None:
    """Numeric matching: every field must be in its range; JSON numbers only"""
    pattern = {
        "detail": {
            "c-count": [{"numeric": [">", 0, "<=", 5]}],
            "d-count": [{"numeric": ["<", 10]}],
            "x-limit": [{"numeric": ["=", 3.018e2]}],
        }
    }
    assert _matches(pattern, {"detail": {"c-count": 5, "d-count": 9.5, "x-limit": 301.8}})
    assert not _matches(pattern, {"detail": {"c-count": 0, "d-count": 9, "x-limit": 301.8}})
    assert not _matches(pattern, {"detail": {"c-count": 1, "d-count": 10, "x-limit": 301.8}})
    assert not _matches(pattern, {"detail": {"c-count": "1", "d-count": 1, "x-limit": 301.8}})
    assert _matches({"n": [{"numeric": [">=", 2]}]}, {"n": 2})
    assert not _matches({"n": [{"numeric": [">=", 2]}]}, {"n": True})


def test_cidr_ipv4_and_ipv6() -> None:
    """IP address matching: `"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]`"""
    pattern = {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}
    assert _matches(pattern, {"detail": {"sourceIPAddress": "10.0.0.255"}})
    assert not _matches(pattern, {"detail": {"sourceIPAddress": "10.0.1.0"}})
    assert not _matches(pattern, {"detail": {"sourceIPAddress": "iam.amazonaws.com"}})
    six = {"ip": [{"cidr": "2001:db8::/32"}]}
    assert _matches(six, {"ip": "2001:db8::1"})
    assert not _matches(six, {"ip": "2001:db9::1"})


def test_exists_true_and_false_on_leaves_only() -> None:
    """Exists matching works on leaf nodes only: an object is not a leaf"""
    assert _matches({"detail": {"state": [{"exists": True}]}}, EC2_EVENT)
    assert not _matches(
        {"detail": {"state": [{"exists": True}]}}, {"detail": {"c-count": {"c1": 100}}}
    )
    absent = {"detail": {"c-count": [{"exists": False}]}}
    assert _matches(absent, {"detail": {"state": ["initializing", "running"]}})
    assert _matches(absent, {"detail": {"state": ["x"], "c-count": {"c1": 100}}})
    assert not _matches(absent, {"detail": {"c-count": 3}})
    assert _matches(
        {"detail": {"responseElements": [{"exists": True}]}}, {"detail": {"responseElements": None}}
    )


def test_exists_false_below_a_missing_or_null_object() -> None:
    """A leaf under an absent or null object is absent"""
    pattern = {"detail": {"requestParameters": {"userName": [{"exists": False}]}}}
    assert _matches(pattern, {"detail": {"requestParameters": None}})
    assert _matches(pattern, {"detail": {}})
    assert not _matches(pattern, {"detail": {"requestParameters": {"userName": "bob"}}})


def test_equals_ignore_case() -> None:
    """Equals (ignore case): `"detail-type": [{"equals-ignore-case": "ec2 instance
    state-change notification"}]`"""
    pattern = {"detail-type": [{"equals-ignore-case": "ec2 instance state-change notification"}]}
    assert _matches(pattern, EC2_EVENT)
    assert not _matches(pattern, {"detail-type": "EC2 Instance Launch Successful"})


def test_wildcard() -> None:
    """Wildcard: `"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]`;
    `\\*` is a literal star"""
    pattern = {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}
    assert _matches(pattern, {"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/b"})
    assert not _matches(
        pattern, {"EventBusArn": "arn:aws:events:us-west-2:123456789012:event-bus/b"}
    )
    assert _matches({"f": [{"wildcard": "dir/*.png"}]}, {"f": "dir/a/b.png"})
    assert not _matches({"f": [{"wildcard": "dir/*.png"}]}, {"f": "dir/a.png.txt"})
    star = {"f": [{"wildcard": "a\\*b"}]}
    assert _matches(star, {"f": "a*b"})
    assert not _matches(star, {"f": "axb"})


def test_or_across_fields() -> None:
    """$or: `{"detail": {"$or": [{"c-count": …}, {"d-count": …}, {"x-limit": …}]}}`"""
    pattern = {
        "detail": {
            "$or": [
                {"c-count": [{"numeric": [">", 0, "<=", 5]}]},
                {"d-count": [{"numeric": ["<", 10]}]},
                {"x-limit": [{"numeric": ["=", 3.018e2]}]},
            ]
        }
    }
    assert _matches(pattern, {"detail": {"d-count": 3}})
    assert _matches(pattern, {"detail": {"x-limit": 301.8}})
    assert not _matches(pattern, {"detail": {"c-count": 7, "d-count": 11}})
    top = {"source": ["aws.ec2"], "$or": [{"region": ["us-east-1"]}, {"account": ["1"]}]}
    assert _matches(top, EC2_EVENT)
    assert not _matches({**top, "source": ["aws.s3"]}, EC2_EVENT)


@pytest.mark.parametrize(
    ("pattern", "location", "problem"),
    [
        ({"detail": {"state": "running"}}, "detail.state", "a leaf is an array"),
        ({"detail": {"state": []}}, "detail.state", "at least one value"),
        ({"detail": {"n": [{"numeric": [">", "x"]}]}}, "detail.n[0]", "numeric"),
        ({"detail": {"n": [{"numeric": [">"]}]}}, "detail.n[0]", "pairs"),
        ({"s": [{"nope": 1}]}, "s[0]", "unknown operator `nope`"),
        ({"s": [{"cidr": "10.0.0.0/33"}]}, "s[0]", "not an IP address range"),
        ({"s": [{"exists": "yes"}]}, "s[0]", "true or false"),
        ({"s": [{"wildcard": "a**"}]}, "s[0]", "consecutive"),
        ({"s": [{"anything-but": ["a", 1]}]}, "s[0]", "only one"),
        ({"$or": [{"a": ["x"]}]}, "$or", "at least two"),
        ([], "pattern", "a pattern is an object"),
        ({}, "pattern", "cannot be empty"),
    ],
)
def test_invalid_patterns_are_located(pattern: Any, location: str, problem: str) -> None:
    with pytest.raises(PatternError) as raised:
        compile_pattern(pattern, path="rules.yaml")
    error = raised.value
    assert error.path == "rules.yaml"
    assert error.problems[0].location == location
    assert problem in error.problems[0].problem


def test_every_problem_is_collected() -> None:
    with pytest.raises(PatternError) as raised:
        compile_pattern({"a": "x", "b": [{"nope": 1}]})
    assert len(raised.value.problems) == 2


def test_exact_values_are_those_outside_or() -> None:
    pattern = {"source": ["aws.iam"], "detail": {"eventName": ["A", "B"]}}
    assert exact_values(pattern, "detail", "eventName") == {"A", "B"}
    assert exact_values(pattern, "source") == {"aws.iam"}
    assert exact_values({"detail": {"eventName": [{"prefix": "A"}]}}, "detail", "eventName") is None
    assert (
        exact_values(
            {"detail": {"$or": [{"eventName": ["A"]}, {"x": ["y"]}]}}, "detail", "eventName"
        )
        is None
    )


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(pattern=_json, event=st.dictionaries(st.text(max_size=4), _json, max_size=4))
def test_any_decoded_json_is_a_pattern_or_a_located_error(pattern: Any, event: Any) -> None:
    """Fuzz: compiling never fails otherwise, and a compiled pattern answers any event"""
    try:
        compiled = compile_pattern(pattern)
    except PatternError as error:
        assert error.problems and all(p.problem for p in error.problems)
        return
    assert compiled.matches(event) in (True, False)
