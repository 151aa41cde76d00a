"""Small helpers for the text people read: counts with their nouns.

Imports nothing of iamwarden's, so that every package may use it (lint as well as the
analyses, reports and commands). Never prints.
"""

from __future__ import annotations

__all__ = ["counted"]


def counted(count: int, noun: str, plural: str = "") -> str:
    """`1 policy`, `2 policies`, `1,204 actions`: the count, its thousands separated by
    commas, and `noun`, plural (`plural`, else `noun` + s) unless the count is one"""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
