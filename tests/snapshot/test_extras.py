"""`JsonNode`: member readers return plain values and name the JSON path of any problem"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from iamwarden.errors import SnapshotFormatError
from iamwarden.snapshot.extras import JsonNode

ROOT = JsonNode(
    {
        "Name": "app",
        "Count": 3,
        "On": True,
        "When": "2026-10-01T00:00:00Z",
        "Naive": "2026-10-01T12:00:00",
        "List": [{"Key": "k"}, {"Key": 7}],
        "Null": None,
        "Wrong": 1,
        "Yes": True,
        "Bad": "tomorrow",
        "Early": "0001-01-01T00:00:00+14:00",
    },
    at="$",
    path="f.json",
)


def test_member_readers_read_values_and_defaults():
    assert ROOT.text_of("Name") == "app"
    assert ROOT.str_of("Name") == "app" and ROOT.str_of("Null", "d") == "d"
    assert ROOT.str_of("Absent") == ""
    assert ROOT.int_of("Count", 0) == 3 and ROOT.int_of("Absent", 9) == 9
    assert ROOT.flag_of("On") is True and ROOT.flag_of("Absent") is False
    assert ROOT.when_of("When") == datetime(2026, 10, 1, tzinfo=UTC)
    assert ROOT.when_of("Naive") == datetime(2026, 10, 1, 12, tzinfo=UTC)
    assert ROOT.when_of("Null") is None
    assert [n.at for n in ROOT.items("List")] == ["$.List[0]", "$.List[1]"]
    assert list(ROOT.items("Absent")) == [] and list(ROOT.items("Null")) == []


@pytest.mark.parametrize(
    ("read", "location", "problem"),
    [
        (lambda n: n.text_of("Absent"), "$", "missing field `Absent`"),
        (lambda n: n.text_of("Null"), "$", "missing field `Null`"),
        (lambda n: n.text_of("Wrong"), "$.Wrong", "expected a string"),
        (lambda n: n.str_of("Wrong"), "$.Wrong", "expected a string"),
        (lambda n: n.int_of("Yes", 0), "$.Yes", "expected an integer"),
        (lambda n: n.int_of("Name", 0), "$.Name", "expected an integer"),
        (lambda n: n.flag_of("Wrong"), "$.Wrong", "expected a boolean"),
        (lambda n: n.when_of("Bad"), "$.Bad", "bad date-time `tomorrow`"),
        (lambda n: n.when_of("Wrong"), "$.Wrong", "expected a date-time string"),
        (
            lambda n: n.when_of("Early"),
            "$.Early",
            "date-time `0001-01-01 00:00:00+14:00` out of range",
        ),
        (lambda n: list(n.items("Name")), "$.Name", "expected a list"),
        (
            lambda n: [m.text_of("Key") for m in n.items("List")],
            "$.List[1].Key",
            "expected a string",
        ),
        (lambda n: n.key("Name").text_of("X"), "$.Name", "expected an object"),
        (lambda n: list(n.key("On").items()), "$.On", "expected a list"),
    ],
)
def test_problems_name_the_json_path(read, location, problem):
    with pytest.raises(SnapshotFormatError) as caught:
        read(ROOT)
    assert (caught.value.path, caught.value.location, caught.value.problem) == (
        "f.json",
        location,
        problem,
    )


def test_a_null_node_is_not_an_empty_list():
    with pytest.raises(SnapshotFormatError, match="expected a list"):
        list(JsonNode(None, at="$.X", path="f").items())
