"""Lint's suppressions: `iamwarden.toml` archive rules, statement Sids, template Metadata

- Archive rules: `resource_arn` is a glob on the file's path relative to the folder of the
  config file (normalised: `p.json`, `./p.json` and its absolute path are one file) or on
  its absolute path, or on the policy's ARN for an account's policies. A rule past its
  `expires` date mutes nothing and is reported, as `assess` and `access` report it.
- A statement's Sid ending in `LintIgnore` and one or more codes in CapWords
  (`AdminLintIgnorePassRoleStar`, `XLintIgnorePassRoleStarSensitiveActionStar`) mutes those
  codes for that statement; a suffix that spells no code is a notice, never silent.
- Codes a template resource's `Metadata.iamwarden.ignore` names are checked against lint's
  codes, as archive rules are (exit 2 on an unknown one).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from iamwarden.cli.files import read_text
from iamwarden.config import Config, Suppression, parse_config
from iamwarden.errors import InputError
from iamwarden.policy.lint import CODES, LintResult
from iamwarden.policy.sources import FoundPolicy

__all__ = [
    "LintRules",
    "expired_notes",
    "load_rules",
    "metadata_codes",
    "muted_by_sid",
    "sid_suppressions",
]

_SID_SUFFIX = re.compile(r"LintIgnore([A-Za-z0-9]*)$")
_WORD = re.compile(r"[A-Z][a-z0-9]*")


@dataclass(frozen=True, slots=True, kw_only=True)
class LintRules:
    """The archive rules lint applies, and the folder their file paths are relative to"""

    live: tuple[Suppression, ...] = ()
    expired: tuple[Suppression, ...] = ()
    base: Path = Path()
    source: str = ""

    def apply(self, result: LintResult) -> LintResult:
        """`result` muted by the first live rule matching its code and its file (relative
        to `base`, or absolute) or its policy's ARN; a result muted in its source is kept"""
        if result.suppression:
            return result
        names = {_relative(result.file, self.base), _absolute(result.file)}
        if result.resource:
            names.add(result.resource)
        for rule in self.live:
            if any(rule.matches(result.diagnostic.code, n) for n in sorted(names)):
                return replace(result, suppression=f"{self.source}: {rule.reason}")
        return result


def _absolute(name: str) -> str:
    """The absolute, normalised path of `name`, `/`-separated; `<stdin>` as is"""
    return name if name.startswith("<") else os.path.abspath(name).replace(os.sep, "/")


def _relative(name: str, base: Path) -> str:
    """The path `name` relative to `base`, normalised, `/`-separated; `<stdin>` as is"""
    if name.startswith("<"):
        return name
    relative = os.path.relpath(os.path.abspath(name), os.path.abspath(base))
    return relative.replace(os.sep, "/")


def load_rules(
    path: Path | None, default: Path, known_checks: Collection[str], today: date
) -> LintRules:
    """The archive rules of `--config FILE`, else of `default` when present, split into
    live and expired on `today`; paths are relative to the file's folder

    Raises:
        InputError: the file cannot be read or is not a valid `iamwarden.toml`.
    """
    if path is None:
        if not default.is_file():
            return LintRules()
        path = default
    config: Config = parse_config(read_text(path), path=str(path), known_checks=known_checks)
    rules = config.archive_rules
    return LintRules(
        live=tuple(r for r in rules if not r.is_expired(today)),
        expired=tuple(r for r in rules if r.is_expired(today)),
        base=path.parent,
        source=path.name,
    )


def expired_notes(rules: LintRules) -> list[str]:
    """One line per expired rule: `note: FILE: expired archive rule CODE PATH: expired DATE
    (mutes nothing)`"""
    return [
        f"note: {rules.source}: expired archive rule {r.check_id} {r.resource_arn}"
        f": expired {r.expires} (mutes nothing)"
        for r in rules.expired
    ]


def _codes_of(suffix: str) -> list[str] | None:
    """The lint codes a CapWords suffix spells, one after another (`PassRoleStar
    SensitiveActionStar`), or None when it spells none"""
    words = _WORD.findall(suffix)
    if "".join(words) != suffix or not words:
        return None
    best: dict[int, list[str]] = {0: []}
    for end in range(1, len(words) + 1):
        for start in range(end):
            if start not in best:
                continue
            code = "_".join(w.lower() for w in words[start:end])
            if code in CODES:
                best[end] = [*best[start], code]
                break
    return best.get(len(words))


def sid_suppressions(document: Any) -> tuple[dict[int, frozenset[str]], list[tuple[str, str]]]:
    """Statement index -> the codes its Sid suffix mutes, and the notices for Sids ending in
    `LintIgnore…` that spell no code: (JSON path of the Sid, problem)"""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except (ValueError, RecursionError):
            return {}, []
    raw = document.get("Statement") if isinstance(document, dict) else None
    items = [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    found: dict[int, frozenset[str]] = {}
    notices: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        sid = item.get("Sid") if isinstance(item, dict) else None
        match = _SID_SUFFIX.search(sid) if isinstance(sid, str) else None
        if not match:
            continue
        codes = _codes_of(match.group(1))
        at = f"Statement[{index}].Sid" if isinstance(raw, list) else "Statement.Sid"
        if codes is None:
            notices.append(
                (
                    at,
                    f"Sid `{sid}` ends in `LintIgnore` but `{match.group(1)}` spells no lint "
                    "code in CapWords (`PassRoleStar`, or several: "
                    "`PassRoleStarSensitiveActionStar`): it mutes nothing",
                )
            )
        else:
            found[index] = frozenset(codes)
    return found, notices


def metadata_codes(found: Iterable[FoundPolicy], name: str, known: Collection[str]) -> None:
    """Refuse a template resource's `Metadata.iamwarden.ignore` code that is no lint code

    Raises:
        InputError: naming the resource's Metadata path and the code.
    """
    for policy in found:
        for code in sorted(policy.suppressed):
            if code not in known:
                at = f"Resources.{policy.name}.Metadata.iamwarden.ignore.{code}"
                raise InputError(f"unknown lint code `{code}`", path=name, location=at)


def muted_by_sid(
    results: Sequence[LintResult], codes: Mapping[int, frozenset[str]]
) -> list[LintResult]:
    """The results, those of a statement whose Sid names their code muted"""
    out = []
    for result in results:
        match = _STATEMENT_INDEX.match(result.diagnostic.location)
        if (
            not result.suppression
            and match
            and result.diagnostic.code in codes.get(int(match.group(1)), frozenset())
        ):
            result = replace(result, suppression="Sid suffix LintIgnore")
        out.append(result)
    return out


_STATEMENT_INDEX = re.compile(r"^Statement\[(\d+)\]")
