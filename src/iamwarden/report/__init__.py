"""Renderers of an assessment: plain text, rich terminal, JSON, HTML, SARIF, CSV, ASFF, OCSF"""

from iamwarden.report.asff import render_asff
from iamwarden.report.csv_report import render_csv
from iamwarden.report.html import render_html
from iamwarden.report.json_report import SCHEMA_VERSION, assessment_to_json, render_json
from iamwarden.report.ocsf import render_ocsf
from iamwarden.report.sarif import render_sarif
from iamwarden.report.terminal import render_terminal
from iamwarden.report.text import render_text

__all__ = [
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
]
