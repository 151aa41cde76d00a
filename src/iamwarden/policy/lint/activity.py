"""The `activity_only_reads` suggestion: a wildcard that grants writes to principals whose
recorded calls only read

A statement's `Action` wildcard (`s3:*`, `s3:Put*`, `*`) that matches actions of an access
level other than Read and List is compared with what the principals the policy applies to
did in a window of recorded history: when every recorded action of the services it covers
is a Read or List action (the catalogue's access levels), the read actions of the services
called are suggested instead. The recorded actions come in as data (`RecordedUse`); this
module reads no store and decides no access.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from iamwarden.policy.catalog import AccessLevel, Catalog
from iamwarden.policy.document import Effect, Policy, Statement
from iamwarden.policy.lint.checks import diagnostic
from iamwarden.policy.lint.codes import Diagnostic
from iamwarden.text import counted

__all__ = ["RecordedUse", "activity_suggestions", "read_only_patterns"]

_READS = frozenset({AccessLevel.READ, AccessLevel.LIST})
_VERB = re.compile(r"[A-Z][a-z0-9]*")
_SHOWN = 12


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedUse:
    """What one principal's recorded successful calls used in the window

    `actions`: the catalogue actions the calls needed (AWS's spelling); `unmapped_services`:
    the service prefixes of calls no action was found for (their actions are unknown).
    """

    principal: str
    actions: frozenset[str] = frozenset()
    unmapped_services: frozenset[str] = frozenset()


def _is_read(catalog: Catalog, action: str) -> bool:
    levels = catalog.access_levels(action)
    return bool(levels) and levels <= _READS


def _service(action: str) -> str:
    return action.partition(":")[0].lower()


def read_only_patterns(actions: frozenset[str], catalog: Catalog) -> tuple[str, ...]:
    """`actions` (Read and List actions) written compactly: `service:Verb*` where every
    catalogue action it matches is among them (`s3:Get*`), else the actions one by one;
    sorted"""
    by_verb: dict[str, set[str]] = {}
    for action in actions:
        service, _, name = action.partition(":")
        verb = _VERB.match(name)
        key = f"{service}:{verb.group(0) if verb else name}*"
        by_verb.setdefault(key, set()).add(action)
    found: list[str] = []
    for pattern, members in by_verb.items():
        if catalog.expand(pattern) <= actions:
            found.append(pattern)
        else:
            found.extend(members)
    return tuple(sorted(found, key=str.lower))


def _listed(items: Sequence[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    more = len(items) - _SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def activity_suggestions(
    policy: Policy, uses: Sequence[RecordedUse], *, days: int, catalog: Catalog
) -> tuple[Diagnostic, ...]:
    """The `activity_only_reads` suggestions of an identity policy, given what each
    principal it applies to did in the last `days` days (`uses`, one per principal; a
    principal without calls has an empty use)

    An `Action` entry of an Allow that has a wildcard and matches some action that is not
    Read or List is reported when the principals' recorded calls of the services it covers
    used at least one action, and only Read or List ones: the Read and List actions it
    matches in the services called are suggested instead (`s3:Put*` matches none: remove
    it). An entry is not judged when a principal made calls of a service it covers that no
    action was found for. Services nobody called are `iamwarden activity unused`'s
    question, not this one.
    """
    if not uses:
        return ()
    found: list[Diagnostic] = []
    for statement in policy.statements:
        if statement.effect is Effect.ALLOW and statement.action:
            found.extend(_statement(statement, uses, days, catalog))
    return tuple(found)


def _statement(
    statement: Statement, uses: Sequence[RecordedUse], days: int, catalog: Catalog
) -> Iterator[Diagnostic]:
    recorded = frozenset(a for use in uses for a in use.actions)
    unmapped = frozenset(s for use in uses for s in use.unmapped_services)
    who = (
        f"the recorded calls of {uses[0].principal}"
        if len(uses) == 1
        else f"the recorded calls of the {len(uses)} principals it applies to"
    )
    for index, entry in enumerate(statement.action or ()):
        if "*" not in entry and "?" not in entry:
            continue
        granted = catalog.expand(entry)
        writes = [a for a in granted if not _is_read(catalog, a)]
        covered = {_service(a) for a in granted}
        used = sorted((a for a in recorded if _service(a) in covered), key=str.lower)
        if not writes or not used or unmapped & covered:
            continue
        if not all(_is_read(catalog, a) for a in used):
            continue
        services = sorted({_service(a) for a in used})
        reads = frozenset(a for a in granted if _is_read(catalog, a) and _service(a) in services)
        instead = (
            f"grant the read actions instead: {_listed(read_only_patterns(reads, catalog))}"
            if reads
            else f"it grants no read action of {', '.join(services)}: remove it"
        )
        yield diagnostic(
            "activity_only_reads",
            f"{statement.pointer}.Action[{index}]",
            f"`{entry}` grants {counted(len(writes), 'action')} that are not Read or List, "
            f"but in the last {counted(days, 'day')} {who} used only reads of "
            f"{', '.join(services)} "
            f"({_listed(used)}): {instead}",
        )
