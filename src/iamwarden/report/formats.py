"""The report formats by name: what `--format` offers, each with its renderer and file name

One table so that the CLI, `--output-dir` and the README name the same formats. Every
renderer is a pure function of the `Assessment` returning the file's text.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from iamwarden.analysis import Assessment
from iamwarden.report.asff import render_asff
from iamwarden.report.csv_report import render_csv
from iamwarden.report.html import render_html
from iamwarden.report.json_report import render_json
from iamwarden.report.ocsf import render_ocsf
from iamwarden.report.sarif import render_sarif
from iamwarden.report.text import render_text

__all__ = ["FORMATS", "ReportFormat", "missing_extra", "render_format"]

_EXTRA_MODULES = {"ocsf": "py_ocsf_models"}


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportFormat:
    """A report format: its `--format` name, renderer and file name in `--output-dir`"""

    name: str
    filename: str
    render: Callable[..., str]
    """`render(assessment)`, or `render(assessment, region=...)` when `takes_region`"""
    description: str
    takes_region: bool = False
    extra: str = ""
    """The optional extra it needs installed (`pip install 'iamwarden[ocsf]'`), if any"""


FORMATS: Mapping[str, ReportFormat] = MappingProxyType(
    {
        f.name: f
        for f in (
            ReportFormat(
                name="text",
                filename="report.txt",
                render=render_text,
                description="the plain-text report (a table on a terminal)",
            ),
            ReportFormat(
                name="json",
                filename="report.json",
                render=render_json,
                description="the JSON report (schema_version 1)",
            ),
            ReportFormat(
                name="html",
                filename="report.html",
                render=render_html,
                description="one self-contained HTML page",
            ),
            ReportFormat(
                name="sarif",
                filename="report.sarif",
                render=render_sarif,
                description="SARIF 2.1.0 (GitHub code scanning)",
            ),
            ReportFormat(
                name="csv",
                filename="report.csv",
                render=render_csv,
                description="one row per resource-level result",
            ),
            ReportFormat(
                name="asff",
                filename="report.asff.json",
                render=render_asff,
                description="Security Hub findings (ASFF, BatchImportFindings input)",
                takes_region=True,
            ),
            ReportFormat(
                name="ocsf",
                filename="report.ocsf.json",
                render=render_ocsf,
                description="OCSF Detection and Compliance Findings (needs the [ocsf] extra)",
                extra="ocsf",
            ),
        )
    }
)
"""Every format by name, in the order the help lists them"""


def missing_extra(name: str) -> str:
    """The extra format `name` needs and is not installed, or `""`"""
    extra = FORMATS[name].extra
    if extra and importlib.util.find_spec(_EXTRA_MODULES[extra]) is None:
        return extra
    return ""


def render_format(name: str, assessment: Assessment, *, region: str = "us-east-1") -> str:
    """The assessment rendered in the format called `name`; `region` is where ASFF findings
    are to be imported (their product ARN and resource region)

    Raises:
        KeyError: for a name not in `FORMATS`.
    """
    found = FORMATS[name]
    if found.takes_region:
        return str(found.render(assessment, region=region))
    return str(found.render(assessment))
