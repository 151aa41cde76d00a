"""`iamwarden.fileio`: the guarded reader's limits and locations, and the one atomic writer"""

from __future__ import annotations

import errno
import gzip
import os
import re
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from iamwarden import fileio
from iamwarden.errors import InputError, SnapshotFormatError

SRC = Path(__file__).resolve().parents[1] / "src" / "iamwarden"


def _error(call: Any, *args: Any, **kwargs: Any) -> InputError:
    with pytest.raises(InputError) as raised:
        call(*args, **kwargs)
    assert "\n" not in str(raised.value)
    return raised.value


# -- reading ------------------------------------------------------------------------------


def test_gzip_is_told_by_content_and_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "plain-name.json"
    path.write_bytes(gzip.compress(b"\xef\xbb\xbf" + b'{"a": [1]}'))
    assert fileio.read_json(path) == {"a": [1]}


def test_plain_content_under_a_gzip_name_is_read_as_plain(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.json.gz"
    path.write_text('{"a": 1}')
    assert fileio.read_json(path) == {"a": 1}


def test_several_gzip_members_are_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(gzip.compress(b'{"a":') + gzip.compress(b" 1}"))
    assert fileio.read_json(path) == {"a": 1}


def test_gzip_bomb_stops_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb.json"
    path.write_bytes(gzip.compress(b" " * 5_000_000))
    error = _error(fileio.read_bytes, path, max_bytes=1_000_000)
    assert error.problem == "gzip content larger than 1000000 bytes"


def test_large_file_is_refused_before_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b"[" + b"0," * 1000 + b"0]")
    assert _error(fileio.read_bytes, path, max_bytes=100).problem == "file larger than 100 bytes"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (gzip.compress(b"{}")[:-3], "truncated gzip data"),
        (b"\x1f\x8b" + b"\x00" * 20, "not valid gzip data"),
        (gzip.compress(b"{}") + b"junk", "trailing data after gzip content"),
    ],
)
def test_broken_gzip(tmp_path: Path, data: bytes, problem: str) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(data)
    assert _error(fileio.read_json, path).problem == problem


def test_missing_file_directory_and_error_class(tmp_path: Path) -> None:
    missing = _error(fileio.read_text, tmp_path / "nope", error=SnapshotFormatError)
    assert isinstance(missing, SnapshotFormatError) and missing.problem == "file not found"
    assert _error(fileio.read_text, tmp_path).problem == "is a directory"


def test_not_utf8_is_located_by_line(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(b'{\n"a":\n"\xff"}')
    error = _error(fileio.read_text, path)
    assert (error.location, error.problem) == ("line 3", "not UTF-8 text")


def test_json_syntax_error_has_line_and_column() -> None:
    error = _error(fileio.parse_json, '{\n  "a": 1,\n  oops}', path="f.json")
    assert str(error) == "f.json: line 3:3: invalid JSON: expecting property name enclosed in " + (
        "double quotes"
    )


def test_json_depth_is_checked_without_recursion() -> None:
    at_limit = "[" * fileio.MAX_DEPTH + "]" * fileio.MAX_DEPTH
    assert fileio.parse_json(at_limit) is not None
    error = _error(fileio.parse_json, "\n [" + at_limit + "]")
    assert error.location == f"line 2:{fileio.MAX_DEPTH + 2}"
    assert error.problem == f"JSON nested too deeply (more than {fileio.MAX_DEPTH} levels)"


def test_brackets_inside_strings_do_not_count() -> None:
    text = '["' + "[{" * 1000 + '\\"[[[", ' + '"]]]"]'
    assert fileio.parse_json(text) == ["[{" * 1000 + '"[[[', "]]]"]


def test_huge_numbers_are_an_input_error() -> None:
    assert _error(fileio.parse_json, "1" * 5000).problem == "invalid JSON: number too large"
    assert _error(fileio.parse_yaml, "a: " + "1" * 5000).problem == "invalid YAML: number too large"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("!!timestamp foo", "`foo` is not a valid !!timestamp"),
        ('!!timestamp ""', "an empty value is not a valid !!timestamp"),
        ("!!timestamp 2026-99", "`2026-99` is not a valid !!timestamp"),
        ("!!bool maybe", "`maybe` is not a valid !!bool"),
        ("!!float x", "`x` is not a valid !!float"),
        ("!!int abc", "`abc` is not a valid !!int"),
        ("!!set [a]", "expected a mapping node, but found sequence"),
        ("!!map [a]", "expected a mapping node, but found sequence"),
        ("2026-13-01", "`2026-13-01` is not a valid !!timestamp: month must be in 1..12"),
        ("!!timestamp 2026-02-30", "is not a valid !!timestamp: day is out of range for month"),
    ],
)
@pytest.mark.parametrize("noting_duplicates", [False, True])
def test_yaml_values_the_constructor_cannot_build_are_located(
    value: str, problem: str, noting_duplicates: bool
) -> None:
    duplicates: list[fileio.DuplicateKey] | None = [] if noting_duplicates else None
    text = f"a: 1\nb: {{c: {value}}}\n"
    error = _error(fileio.parse_yaml, text, path="s.yaml", duplicates=duplicates)
    assert error.location == "line 2:8"
    assert error.problem.startswith("invalid YAML: ") and error.problem.endswith(problem)


@pytest.mark.parametrize("reader", [fileio.parse_yaml, fileio.compose_yaml])
def test_a_control_character_yaml_refuses_is_located(reader: Any) -> None:
    error = _error(reader, "a: 1\nb: x\x00y\n", path="s.yaml")
    assert error.location == "line 2:5"
    assert error.problem == (
        "invalid YAML: unacceptable character #x0000: control characters are not allowed"
    )


def test_yaml_syntax_error_has_line_and_column() -> None:
    error = _error(fileio.parse_yaml, "a:\n  - [b\n", path="s.yaml")
    assert error.location == "line 3:1" and error.problem.startswith("invalid YAML: ")


def test_yaml_aliases_within_the_bound_are_read() -> None:
    data = fileio.parse_yaml("p: &p {a: [1, 2]}\nq: [*p, *p]\n")
    assert data == {"p": {"a": [1, 2]}, "q": [{"a": [1, 2]}, {"a": [1, 2]}]}


def test_yaml_alias_expansion_is_bounded_by_expanded_size() -> None:
    width = 10  # 10**5 expanded nodes from 50 aliases
    lines = ["l0: &l0 [" + ",".join(["x"] * width) + "]"]
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * width) + "]" for i in range(1, 6)]
    error = _error(fileio.parse_yaml, "\n".join(lines))
    assert error.location.startswith("line 5:")
    assert error.problem == f"YAML aliases expand to more than {fileio.MAX_ALIAS_EXPANSION} nodes"
    assert fileio.parse_yaml("\n".join(lines[:4]))["l3"][0][0][0][0] == "x"


def test_yaml_alias_depth_counts_the_expansion() -> None:
    anchored = "[" * 200 + "]" * 200
    around = "[" * 60 + "*a" + "]" * 60
    error = _error(fileio.parse_yaml, f"a: &a {anchored}\nb: {around}\n")
    assert error.location.startswith("line 2:")
    assert error.problem == f"YAML nested too deeply (more than {fileio.MAX_DEPTH} levels)"


def test_recursive_yaml_alias_is_refused() -> None:
    error = _error(fileio.parse_yaml, "a: &a [1, *a]\n")
    assert error.problem.startswith(("YAML alias refers to a node that contains it", "invalid"))


# -- writing ------------------------------------------------------------------------------


def test_write_atomically_replaces_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("old")
    path.chmod(0o600)
    fileio.write_atomically(path, "new ✓")
    assert path.read_text(encoding="utf-8") == "new ✓"
    assert path.stat().st_mode & 0o777 == 0o600
    fileio.write_atomically(tmp_path / "fresh.bin", b"\x00")
    assert (tmp_path / "fresh.bin").stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.bin", "out.txt"]


def test_a_link_is_kept_and_its_file_replaced(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_text("old")
    (tmp_path / "link.json").symlink_to("real.json")
    fileio.check_writable(tmp_path / "link.json")
    fileio.write_atomically(tmp_path / "link.json", "new")
    assert (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "real.json").read_text() == "new"


def test_devices_are_written_in_place() -> None:
    """`-o /dev/null` (or `/dev/stdout`) writes to the device, never renames over it"""
    fileio.check_writable(Path("/dev/null"))
    fileio.write_atomically(Path("/dev/null"), "report")
    assert Path("/dev/null").is_char_device()
    assert not [p for p in Path("/dev").iterdir() if p.name.startswith(".null.")]


def test_failed_write_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.json"
    path.write_text("previous")

    def full(fd: int, data: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    error = _error(fileio.write_atomically, path, "x" * 100)
    assert str(error) == f"{path}: no space left on device"
    assert path.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_append_lines_adds_whole_lines_and_keeps_earlier_ones(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    fileio.append_lines(path, ['{"a": 1}'])
    fileio.append_lines(path, ['{"a": 2}\n', '{"a": 3}'])
    fileio.append_lines(path, [])
    assert path.read_text() == '{"a": 1}\n{"a": 2}\n{"a": 3}\n'
    error = _error(fileio.append_lines, tmp_path / "missing" / "x.jsonl", ["{}"])
    assert error.path == str(tmp_path / "missing" / "x.jsonl")


def test_check_writable(tmp_path: Path) -> None:
    fileio.check_writable(tmp_path / "new.json")
    assert _error(fileio.check_writable, tmp_path).problem == "is a directory"
    missing = tmp_path / "no" / "x.json"
    assert _error(fileio.check_writable, missing).problem == (
        f"directory `{tmp_path / 'no'}` does not exist"
    )
    (tmp_path / "file").write_text("")
    assert _error(fileio.check_writable, tmp_path / "file" / "x").problem == (
        f"`{tmp_path / 'file'}` is not a directory"
    )
    assert list(tmp_path.iterdir()) == [tmp_path / "file"]  # the probe is gone


def test_check_writable_refuses_text_naming_a_directory(tmp_path: Path) -> None:
    """`newdir/` names a directory even though it does not exist (and `Path` drops the `/`)"""
    error = _error(fileio.check_writable, f"{tmp_path}/newdir/")
    assert error.problem == "names a directory (ends with `/`): give a file name"
    fileio.check_writable(f"{tmp_path}/new.json")


def test_check_writable_probes_instead_of_trusting_permission_bits() -> None:
    """`os.access` says yes to root for sysfs; creating a file there still fails"""
    try:
        (Path("/sys") / ".iamwarden-test").write_text("")
    except OSError:
        pass
    else:
        pytest.skip("/sys accepts new files here")
    problem = _error(fileio.check_writable, Path("/sys/out.json")).problem
    assert problem == "directory `/sys` is not writable"


def test_check_directory_creates_it_only_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    fileio.check_directory(target)
    assert list(tmp_path.iterdir()) == []
    fileio.check_directory(target, create=True)
    assert target.is_dir() and list(target.iterdir()) == []
    (tmp_path / "f").write_text("")
    assert _error(fileio.check_directory, tmp_path / "f").problem == "not a directory"


def test_one_writer_and_one_yaml_reader_for_the_project() -> None:
    """Only `fileio` writes files or parses YAML text from users; the other modules call it"""
    writes = re.compile(r"\.write_(text|bytes)\(|os\.replace\(|mkstemp\(|open\([^)]*['\"][wa]")
    loads = re.compile(r"yaml\.(safe_)?load\(")
    for path in SRC.rglob("*.py"):
        if path.name == "fileio.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not writes.search(text), f"{path} writes a file itself"
        if path.name != "compliance.py":  # reads the bundled CIS mapping, not user input
            assert not loads.search(text), f"{path} parses YAML itself"


def test_read_stream_has_the_file_reader_limits() -> None:
    """Standard input (`lint -`) is read as a file is: gzip by content, BOM dropped, bounded"""
    read_stream = fileio.read_stream
    assert read_stream(BytesIO(gzip.compress("\ufeff{}".encode()))) == "{}"
    with pytest.raises(InputError, match="larger than"):
        read_stream(BytesIO(b"x" * 11), max_bytes=10)
    with pytest.raises(InputError) as caught:
        read_stream(BytesIO(b"\xff"))
    assert str(caught.value).startswith("<stdin>: ")


def test_duplicate_keys_are_noted_only_when_asked() -> None:
    text = '{"a": 1, "b": [{"x": 1, "x": 2}], "a": 3}'
    assert fileio.parse_json(text) == {"a": 3, "b": [{"x": 2}]}
    found: list[fileio.DuplicateKey] = []
    assert fileio.parse_json(text, duplicates=found) == {"a": 3, "b": [{"x": 2}]}
    assert [d.pointer for d in found] == ["a", "b[0].x"]
    found = []
    assert fileio.parse_yaml("a: 1\nb:\n  - x: 1\n    x: 2\na: 3\n", duplicates=found) == {
        "a": 3,
        "b": [{"x": 2}],
    }
    assert found == [
        fileio.DuplicateKey("b[0]", "x", "line 4:5"),
        fileio.DuplicateKey("", "a", "line 5:1"),
    ]


def test_yaml_duplicate_keys_past_aliases_and_merge_keys() -> None:
    """The full loader's path (aliases): a merge key's keys overridden are not duplicates"""
    found: list[fileio.DuplicateKey] = []
    text = "base: &b {k: 1}\nc:\n  <<: *b\n  k: 2\n  j: 1\n  j: 2\n"
    assert fileio.parse_yaml(text, duplicates=found) == {"base": {"k": 1}, "c": {"k": 2, "j": 2}}
    assert found == [fileio.DuplicateKey("", "j", "line 6:3")]
