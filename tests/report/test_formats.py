"""The report package's public surface and the format table the CLI offers"""

from __future__ import annotations

import types

import pytest

import iamwarden.report
from iamwarden.analysis import Assessment, assess
from iamwarden.cli.assess_cmd import assess_command
from iamwarden.report.formats import FORMATS, missing_extra, render_format
from tests.builders import snapshot

SURFACE = {
    "SCHEMA_VERSION",
    "assessment_to_json",
    "render_asff",
    "render_csv",
    "render_html",
    "render_json",
    "render_ocsf",
    "render_sarif",
    "render_terminal",
    "render_text",
}


def test_public_surface_is_all() -> None:
    public = {
        name
        for name, value in vars(iamwarden.report).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(iamwarden.report.__all__) == SURFACE == public


def test_every_format_is_offered_and_has_a_renderer() -> None:
    option = next(p for p in assess_command.params if p.name == "output_formats")
    assert list(option.type.choices) == list(FORMATS)  # type: ignore[attr-defined]
    assert set(FORMATS) == {"text", "json", "html", "sarif", "csv", "asff", "ocsf"}
    assert len({f.filename for f in FORMATS.values()}) == len(FORMATS)
    for name, found in FORMATS.items():
        assert getattr(iamwarden.report, f"render_{name}") is found.render


@pytest.fixture(scope="module")
def small() -> Assessment:
    return assess(snapshot())


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_renders_deterministic_text(small: Assessment, name: str) -> None:
    assert missing_extra(name) == ""
    first = render_format(name, small, region="eu-west-1")
    assert first and first == render_format(name, small, region="eu-west-1")
    assert first.endswith("\n")
