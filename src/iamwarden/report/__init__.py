"""Renderers of an assessment: plain text, rich terminal, JSON, HTML"""

from iamwarden.report.html import render_html
from iamwarden.report.json_report import SCHEMA_VERSION, assessment_to_json, render_json
from iamwarden.report.terminal import render_terminal
from iamwarden.report.text import render_text

__all__ = [
    "SCHEMA_VERSION",
    "assessment_to_json",
    "render_html",
    "render_json",
    "render_terminal",
    "render_text",
]
