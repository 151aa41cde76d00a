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
from iamwarden.activity.rules.records import array_items
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


def _deep(levels: int) -> dict[str, object]:
    value: object = "x"
    for _ in range(levels):
        value = {"k": value}
    return {"eventID": "deep", "requestParameters": value}


@pytest.mark.parametrize("layout", ["records", "array", "lines"])
def test_a_record_nested_too_deeply_is_skipped_alone_when_asked(
    tmp_path: Path, layout: str
) -> None:
    """Without `on_skip` the file is refused; with it only the deep record is left out, at
    its position, and the records after it are read (as `activity ingest` reads them)"""
    records = [{"eventID": "a"}, _deep(400), {"eventID": "b"}]
    path = tmp_path / ("t.jsonl" if layout == "lines" else "t.json")
    if layout == "lines":
        path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    else:
        path.write_text(json.dumps({"Records": records} if layout == "records" else records))
    with pytest.raises(InputError):
        list(read_records([path]))
    skipped: list[InputError] = []
    found = [(r.index, r.record["eventID"]) for r in read_records([path], on_skip=skipped.append)]
    assert found == [(0, "a"), (2, "b")]
    where = {"records": "Records[1]", "array": "[1]", "lines": "line 2"}[layout]
    assert [(e.location, "nested too deeply" in e.problem) for e in skipped] == [(where, True)]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab[]{},:"\\ \n'),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(items=st.lists(_JSON, max_size=5), key=st.sampled_from(["", "Records"]))
def test_splitting_an_array_gives_its_items(items: list[object], key: str) -> None:
    """The splitter that isolates a too-deep record agrees with `json` on any array"""
    text = json.dumps({"Other": [1, [2]], key: items} if key else items)
    assert [json.loads(t) for t in array_items(text, key)] == items
