"""ARN templates: parsed once per text, filled from each request's own values"""

from __future__ import annotations

from iamwarden.activity.templates import TemplateValues, fill, fill_all


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


def test_a_function_result_is_filled_as_the_template_text_is() -> None:
    """Functions are filled first, then the variables of the whole text: a result naming a
    variable, or completing one opened before the function, is filled too"""
    assert fill("r/%%regex%${A}%/(.+)/%%", _values(A="${B}", B="x")) == "r/x"
    assert fill("r/${%%many%${A}%%}", _values(A="B", B="y")) == "r/y"
    assert fill("r/%%regex%${A}%/(.+)/%%", _values(A="${C}")) is None
