"""Derive the shipped event → action table from iann0036/iam-dataset's `map.json` (MIT)

`python -m iamwarden.activity.derive PATH/map.json` writes `data/event_actions.json.gz`:
the SDK operations with their IAM actions, ARN templates and conditions, the permissionless
operations, and the SDK service names of each IAM namespace. Run it when `map.json` changes;
a test checks the shipped file equals what this derives from the corpus copy.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from iamwarden.fileio import write_atomically

__all__ = ["DATA_FILE", "derive_table", "main"]

DATA_FILE = Path(__file__).with_name("data") / "event_actions.json.gz"
"""Where the derived table is shipped"""

SOURCE = (
    "derived from map.json of iann0036/iam-dataset (MIT licence, Copyright (c) 2021 Ian Mckay), "
    "2023-01-01 snapshot"
)


def _entry(raw: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"action": raw["action"]}
    variables = {
        name: spec["template"]
        for name, spec in sorted(raw.get("resource_mappings", {}).items())
        if isinstance(spec, dict) and "template" in spec
    }
    if variables:
        entry["vars"] = variables
    if raw.get("resourcearn_mappings"):
        entry["arns"] = dict(sorted(raw["resourcearn_mappings"].items()))
    if raw.get("arn_override", {}).get("template"):
        entry["override"] = raw["arn_override"]["template"]
    if raw.get("conditions"):
        entry["when"] = raw["conditions"]
    return entry


def derive_table(source: dict[str, Any]) -> dict[str, Any]:
    """The shipped table from the parsed `map.json`"""
    operations = {
        name: [_entry(raw) for raw in entries]
        for name, entries in sorted(source["sdk_method_iam_mappings"].items())
    }
    # each SDK service name belongs to the namespace most of its operations' actions name
    dominant: dict[str, Counter[str]] = {}
    for name, entries in operations.items():
        sdk = name.split(".", 1)[0]
        for entry in entries:
            dominant.setdefault(sdk, Counter())[entry["action"].split(":", 1)[0]] += 1
    namespaces: dict[str, set[str]] = {}
    for sdk, namespace in source.get("sdk_service_mappings", {}).items():
        namespaces.setdefault(namespace, set()).add(sdk.replace(" ", ""))
    for sdk, counts in dominant.items():
        namespaces.setdefault(counts.most_common(1)[0][0], set()).add(sdk)
    return {
        "source": SOURCE,
        "namespaces": {ns: sorted(names) for ns, names in sorted(namespaces.items())},
        "permissionless": sorted(source.get("sdk_permissionless_actions", ())),
        "operations": operations,
    }


def encode(table: dict[str, Any]) -> bytes:
    """The table as shipped: compact JSON, gzip without a timestamp (same bytes every run)"""
    text = json.dumps(table, sort_keys=True, separators=(",", ":")).encode()
    return gzip.compress(text, mtime=0)


def main(argv: list[str] | None = None) -> None:
    """Read `map.json` (first argument) and write `DATA_FILE`"""
    args = sys.argv[1:] if argv is None else argv
    source = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    write_atomically(DATA_FILE, encode(derive_table(source)))


if __name__ == "__main__":
    main()
