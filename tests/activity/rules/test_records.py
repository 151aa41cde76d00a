"""CloudTrail records read in Python with their position: the three layouts CloudTrail
writes or exports ({"Records": [...]} log files, JSON arrays, JSON lines from CloudTrail Lake
and Event history), gzip or not; anything else is one located InputError"""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamwarden.activity.rules import read_records
from iamwarden.errors import InputError


def test_positions_are_indexes_in_records_arrays_and_lines(tmp_path: Path) -> None:
    one, two = {"eventID": "a"}, {"eventID": "b"}
    with gzip.open(tmp_path / "1.json.gz", "wt", encoding="utf-8") as stream:
        json.dump({"Records": [one, two]}, stream)
    (tmp_path / "2.json").write_text(json.dumps([two]), encoding="utf-8")
    (tmp_path / "3.jsonl").write_text(f"\n{json.dumps(one)}\n{json.dumps(two)}\n", encoding="utf-8")
    found = [(Path(r.source).name, r.index, r.record["eventID"]) for r in read_records([tmp_path])]
    assert found == [
        ("1.json.gz", 0, "a"),
        ("1.json.gz", 1, "b"),
        ("2.json", 0, "b"),
        ("3.jsonl", 0, "a"),
        ("3.jsonl", 1, "b"),
    ]


def test_a_line_that_is_not_an_object_is_located(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"eventID": "a"}\n[1]\n', encoding="utf-8")
    with pytest.raises(InputError) as raised:
        list(read_records([path]))
    assert str(raised.value) == f"{path}: line 2: a record is not a JSON object"


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_file_gives_records_or_one_input_error(content: bytes) -> None:
    """Fuzz: whatever a file holds, reading it yields objects or raises InputError naming it"""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trail.json"
        path.write_bytes(content)
        try:
            for item in read_records([path]):
                assert isinstance(item.record, dict) and item.source == str(path)
        except InputError as error:
            assert str(error).startswith(str(path))
