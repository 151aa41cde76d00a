"""The IAM credential report: its CSV, and the GetCredentialReport response around it.

Parses the 22 columns AWS documents into `CredentialReportRow`s: `N/A`, `not_supported` and
`no_information` become `None`, `true`/`false` become booleans, times become UTC date-times.
Every problem is a `SnapshotFormatError` naming the file and the CSV line. Columns AWS may add
later are ignored; a missing documented column is an error.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from iamwarden.errors import SnapshotFormatError
from iamwarden.snapshot.extras import JsonNode, as_utc, load_json, read_bytes
from iamwarden.snapshot.model import CredentialReport, CredentialReportRow

__all__ = ["CREDENTIAL_REPORT_COLUMNS", "parse_credential_report", "read_credential_report"]

_MISSING = frozenset({"N/A", "not_supported", "no_information"})


def _date(text: str) -> datetime:
    return as_utc(datetime.fromisoformat(text))


def _bool(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"expected `true` or `false`, found `{text}`")
    return text == "true"


_TEXT = (str, "")
_DATE = (_date, None)
_OPT_BOOL = (_bool, None)
_BOOL = (_bool, False)
_CONVERTERS: dict[str, tuple[Callable[[str], Any], Any]] = {
    "user": _TEXT,
    "arn": _TEXT,
    "user_creation_time": _DATE,
    "password_enabled": _OPT_BOOL,
    "password_last_used": _DATE,
    "password_last_changed": _DATE,
    "password_next_rotation": _DATE,
    "mfa_active": _BOOL,
    "access_key_1_active": _BOOL,
    "access_key_1_last_rotated": _DATE,
    "access_key_1_last_used_date": _DATE,
    "access_key_1_last_used_region": _TEXT,
    "access_key_1_last_used_service": _TEXT,
    "access_key_2_active": _BOOL,
    "access_key_2_last_rotated": _DATE,
    "access_key_2_last_used_date": _DATE,
    "access_key_2_last_used_region": _TEXT,
    "access_key_2_last_used_service": _TEXT,
    "cert_1_active": _BOOL,
    "cert_1_last_rotated": _DATE,
    "cert_2_active": _BOOL,
    "cert_2_last_rotated": _DATE,
}
CREDENTIAL_REPORT_COLUMNS = tuple(_CONVERTERS)
"""The columns of the credential report, in AWS's order"""


def parse_credential_report(
    content: str | bytes,
    *,
    path: str = "",
    generated: datetime | None = None,
    where: str = "",
) -> CredentialReport:
    """Parse the credential report's CSV text

    Args:
        content: the CSV, as text or UTF-8 bytes.
        path: the file errors name.
        generated: when AWS generated the report.
        where: a prefix for error locations (`$.Content ` when the CSV sits in a JSON field).

    Raises:
        SnapshotFormatError: a missing column, a truncated row or a bad value, with its line.
    """
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SnapshotFormatError(
                "credential report is not UTF-8 text", path=path, location=where.strip()
            ) from None
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff"), newline=""), strict=True)

    def fail(problem: str) -> SnapshotFormatError:
        return SnapshotFormatError(problem, path=path, location=f"{where}line {reader.line_num}")

    rows: list[CredentialReportRow] = []
    try:
        header = next(reader, None)
        if not header:
            raise SnapshotFormatError(
                "credential report is empty", path=path, location=f"{where}line 1"
            )
        missing = [c for c in CREDENTIAL_REPORT_COLUMNS if c not in header]
        if missing:
            raise fail(
                f"missing column{'s' if len(missing) > 1 else ''} "
                + ", ".join(f"`{c}`" for c in missing)
            )
        index = {c: header.index(c) for c in CREDENTIAL_REPORT_COLUMNS}
        for fields in reader:
            if not fields:
                continue
            if len(fields) != len(header):
                raise fail(f"expected {len(header)} fields, found {len(fields)}")
            values: dict[str, Any] = {}
            for column, (convert, absent) in _CONVERTERS.items():
                text = fields[index[column]]
                try:
                    values[column] = absent if text in _MISSING else convert(text)
                except (ValueError, OverflowError) as error:
                    raise fail(
                        f"column `{column}`: bad value `{text}`"
                        + (f" ({error})" if convert is _bool else "")
                    ) from None
            rows.append(CredentialReportRow(**values))
    except csv.Error as error:
        raise fail(f"malformed CSV: {error}") from None
    return CredentialReport(rows=tuple(rows), generated=generated)


def _response_report(root: JsonNode) -> CredentialReport:
    """The report inside a GetCredentialReport response (`Content` as CSV or base64)"""
    content_node = root.obj().key("Content")
    text = content_node.text()
    generated = root.when_of("GeneratedTime")
    content: str | bytes = text
    if not text.lstrip("\ufeff").startswith("user,"):
        try:
            content = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            content_node.fail("credential report is neither CSV nor base64-encoded CSV")
    return parse_credential_report(
        content, path=root.path, generated=generated, where=f"{content_node.at} "
    )


def read_credential_report(path: Path, name: str = "") -> CredentialReport:
    """Read a credential report file: a GetCredentialReport response (.json) or the CSV"""
    if path.suffix == ".json":
        return _response_report(load_json(path, name))
    shown = name or str(path)
    return parse_credential_report(read_bytes(path, shown), path=shown)
