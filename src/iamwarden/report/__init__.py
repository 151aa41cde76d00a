"""Renderers of an assessment: plain text, rich terminal, JSON"""

from iamwarden.report.json_report import SCHEMA_VERSION, assessment_to_json, render_json
from iamwarden.report.terminal import render_terminal
from iamwarden.report.text import render_text

__all__ = ["SCHEMA_VERSION", "assessment_to_json", "render_json", "render_terminal", "render_text"]
