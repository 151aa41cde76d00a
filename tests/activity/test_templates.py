"""ARN templates: parsed once per text, filled from each request's own values"""

from __future__ import annotations

from iamwarden.activity.templates import _MANY_LIMIT, TemplateValues, fill, fill_all


def _values(**parameters: object) -> TemplateValues:
    return TemplateValues(parameters, partition="aws", region="us-east-1", account="1")


def test_a_template_is_filled_from_each_request_not_from_the_first() -> None:
    template = "arn:${Partition}:s3:::%%regex%${Bucket}%/^(?:arn:.*:::)?(.+)$/%%/${Key}"
    assert fill(template, _values(bucketName="b1", key="k1")) == "arn:aws:s3:::b1/k1"
    assert fill(template, _values(Bucket="arn:aws:s3:::b2", key="k2")) == "arn:aws:s3:::b2/k2"
    assert fill(template, _values(bucketName="b3")) is None
    assert fill_all("t/${Names[]}", _values(names=["a", "b"])) == ("t/a", "t/b")
    assert fill_all("t/${Names[]}", _values(names=["c"])) == ("t/c",)


def test_extra_values_win_and_leave_the_request_values_alone() -> None:
    values = _values(Key="a*b", Name="n")
    extra = values.with_values({"KEY": "x?"})
    assert (extra.get("key"), extra.get("Name")) == ("x?", "n")
    assert extra.escaped().get("Key") == "x${?}"
    assert extra.escaped().with_values({"name": "m"}).get("Key") == "x${?}"
    assert extra.escaped().with_values({"name": "m"}).get("Name") == "m"
    assert (values.get("Key"), values.escaped().get("Key")) == ("a*b", "a${*}b")
    assert not values.is_escaped and values.escaped().is_escaped


def test_a_function_result_is_text_never_read_again_for_variables() -> None:
    """Variables and functions are filled in one pass. Filling functions first and then the
    variables of the whole text read a result as template text: an escaped value through a
    function (`a${*}b`) became a lookup of a variable named `*`, found missing, and a value
    spelling `${B}` was filled from B. A `${` left open before a function would make a
    variable of a result: the template names no value"""
    escaped = _values(instanceRole="a*b").escaped()
    assert fill("x/%%regex%${instanceRole}%/(.+)/g%%", escaped) == "x/a${*}b"
    assert fill("x/%%regex%${instanceRole}%/(.+)/g%%", escaped) == fill(
        "x/${instanceRole}", escaped
    )
    assert fill("x/%%many%${Absent}%${instanceRole}%%", escaped) == "x/a${*}b"
    assert fill("r/%%regex%${A}%/(.+)/%%", _values(A="${B}", B="x")) == "r/${B}"
    assert fill("r/%%regex%${A}%/(.+)/%%", _values(A="${C}")) == "r/${C}"
    assert fill("r/${%%many%${A}%%}", _values(A="B", B="y")) is None


def test_a_pattern_reads_the_request_text_and_its_result_is_escaped() -> None:
    """`%%regex%…%%` matches the value as the request gave it (`a*bc`, not `a${*}bc`), then
    escapes what it captured, as any value going into a Resource"""
    escaped = _values(Key="a*bc").escaped()
    assert fill("k/%%regex%${Key}%/^(.{3})/g%%", escaped) == "k/a${*}b"
    assert fill("k/%%regex%${Key}%/^(.{3})/g%%", _values(Key="a*bc")) == "k/a*b"


def test_an_empty_last_argument_ends_in_three_percent_signs() -> None:
    """`%%iftruthy%${A}%*%%%` is `*` when A is given, else nothing (the data's spelling of
    an empty else), never a stray `%`; `%%%%` still ends one function and opens the next"""
    assert fill("%%iftruthy%${A}%*%%%", _values(A="x")) == "*"
    assert fill("%%iftruthy%${A}%*%%%", _values()) == ""
    assert fill_all("%%iftruthy%${A}%*%%%", _values()) == ()
    assert fill("%%many%${A}%%%%many%${B}%%", _values(A="x", B="y")) == "xy"


def test_many_lists_read_the_first_given_list() -> None:
    """`%%many%${A[]}%${B[]}%%` is iam-dataset's first given alternative: one text per
    element of the first list the request gives, the other list unread"""
    template = "%%many%${UserIdsToAdd[]}%${UserIdsToRemove[]}%%"
    assert fill_all(template, _values(userIdsToAdd=["u1", "u2"])) == ("u1", "u2")
    both = _values(userIdsToAdd=["u1", "u2"], userIdsToRemove=["u3"])
    assert fill_all(template, both) == ("u1", "u2")
    assert fill_all(f"u/{template}", both) == ("u/u1", "u/u2")
    assert fill_all(template, _values(userIdsToRemove=["u3"])) == ("u3",)
    assert fill_all(template, _values(userIdsToAdd=[], userIdsToRemove=["u3"])) == ("u3",)
    assert fill_all(template, _values()) == ()


def test_two_lists_yield_each_combination_up_to_the_limit() -> None:
    """Outside `%%many%…%%`, two lists vary independently: every pair; a list named twice
    is the same element in both places; a missing list leaves nothing to fill"""
    both = _values(a=["1", "2"], b=["x", "y"])
    assert fill_all("${A[]}/${B[]}", both) == ("1/x", "1/y", "2/x", "2/y")
    assert fill_all("${A[]}/${a[]}", both) == ("1/1", "2/2")
    assert fill_all("${A[]}/${B[]}", _values(a=["1", "2"])) == ()
    large = _values(a=[str(n) for n in range(40)], b=[str(n) for n in range(40)])
    filled = fill_all("${A[]}/${B[]}", large)
    assert len(filled) == _MANY_LIMIT
    assert len(set(filled)) == _MANY_LIMIT


def test_a_list_without_elements_is_an_absent_value() -> None:
    """A function reading a list the request leaves out reads an absent value: EventBridge
    PutEvents without an EventBusName goes to the default bus"""
    template = "%%iftruthy%${Entries[].EventBusName}%${Entries[].EventBusName}%default%%"
    given = _values(entries=[{"EventBusName": "x"}, {"eventBusName": "y"}])
    assert fill_all(template, given) == ("x", "y")
    assert fill_all(template, _values(entries=[{"Source": "s"}])) == ("default",)
