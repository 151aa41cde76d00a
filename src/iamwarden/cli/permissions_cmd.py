"""`iamwarden permissions --principal ARN`: a principal's effective permissions"""

from __future__ import annotations

import json
from pathlib import Path as FilePath
from typing import Any

import click

from iamwarden.analysis.effective import ActionGrant, EffectivePermissions, effective_permissions
from iamwarden.analysis.evidence import counted
from iamwarden.cli.options import TEXT_OR_JSON
from iamwarden.cli.sources import load_source, source_options
from iamwarden.policy import Catalog, load_catalog

__all__ = ["permissions_command"]


@click.command(
    "permissions",
    epilog="""\b
Examples:
  iamwarden permissions --demo --principal arn:aws:iam::210987654321:role/app-builder-role
  iamwarden permissions --demo --principal arn:aws:iam::210987654321:user/alice --service s3
  iamwarden permissions --snapshot acme.json --principal ARN --format json

\b
Exit codes:
  0  done (also when a policy of the principal is missing: NOT ASSESSED says which)
  2  bad usage or bad input (one line on stderr)
""",
)
@click.option("--principal", required=True, help="ARN of a user or role of the account.")
@click.option("--service", help="Only actions of this service prefix (e.g. s3).")
@source_options
@TEXT_OR_JSON
def permissions_command(
    principal: str,
    service: str | None,
    demo: bool,
    input_dir: FilePath | None,
    snapshot_file: FilePath | None,
    fmt: str,
) -> None:
    """What PRINCIPAL is allowed: actions by service and access level, on which resources,
    under which conditions (identity, group, boundary, SCP and RCP policies together)."""
    snapshot = load_source(demo=demo, input_dir=input_dir, snapshot_file=snapshot_file)
    catalog = load_catalog()
    found = effective_permissions(snapshot, principal, catalog=catalog, service=service)
    if fmt == "json":
        click.echo(json.dumps(_as_json(found), indent=2, sort_keys=True))
        return
    for line in _text(found, catalog):
        click.echo(line)


def _as_json(found: EffectivePermissions) -> dict[str, Any]:
    return {
        "principal": found.principal,
        "service": found.service,
        "assessed": not found.not_assessed,
        "not_assessed": list(found.not_assessed),
        "actions": [
            {
                "action": g.action,
                "access_level": g.access_level,
                "resources": list(g.resources),
                "conditions": [str(c) for c in g.conditions],
                "statements": [str(s) for s in g.statements],
                "notes": list(g.notes),
            }
            for g in found.grants
        ],
    }


def _text(found: EffectivePermissions, catalog: Catalog) -> list[str]:
    if found.not_assessed:
        return [
            f"{found.principal}: NOT ASSESSED",
            *(f"  {reason}" for reason in found.not_assessed),
        ]
    services = found.by_service()
    lines = [
        f"{found.principal}: {counted(len(found.grants), 'action')} allowed "
        f"in {counted(len(services), 'service')}"
    ]
    for service, levels in services.items():
        grants = [g for level in levels.values() for g in level]
        alike = _alike(grants)
        if len(alike) == 1 and len(grants) == len(catalog.expand(f"{service}:*")):
            # every action of the service, on the same resources under the same conditions
            ((resources, conditions),) = alike
            lines.append(f"{service}: all {len(grants)} actions ({service}:*)")
            lines.extend(_scope(resources, conditions, "  "))
            continue
        lines.append(service)
        for level, in_level in levels.items():
            lines.append(f"  {level} ({len(in_level)})")
            for (resources, conditions), names in _alike(in_level).items():
                lines.append(f"    {', '.join(names)}")
                lines.extend(_scope(resources, conditions, "      "))
    return lines


def _scope(resources: tuple[str, ...], conditions: tuple[str, ...], indent: str) -> list[str]:
    lines = [f"{indent}on {', '.join(resources)}"]
    if conditions:
        lines.append(f"{indent}only if {'; '.join(conditions)}")
    return lines


def _alike(grants: list[ActionGrant]) -> dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]]:
    """Action names (without the service prefix) grouped by the same resources and conditions"""
    out: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for g in grants:
        key = (g.resources, tuple(str(c) for c in g.conditions))
        out.setdefault(key, []).append(g.action.split(":", 1)[1])
    return out
