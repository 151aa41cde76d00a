"""The demo account's generated 90-day history"""

from __future__ import annotations

from pathlib import Path

from iamwarden.activity.demo import DEMO_DAYS, demo_records, write_demo_history
from iamwarden.snapshot.demo import demo_snapshot


def test_the_history_is_deterministic_and_small(tmp_path: Path) -> None:
    assert demo_records(3) == demo_records(3)
    first = write_demo_history(tmp_path / "a")
    second = write_demo_history(tmp_path / "b")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.gz"))
    assert len(files_a) == DEMO_DAYS and first == second > 10_000
    for name in files_a:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    size = sum((tmp_path / "a" / n).stat().st_size for n in files_a)
    assert size < 5 * 1024 * 1024


def test_the_history_names_the_demo_accounts_principals() -> None:
    snapshot = demo_snapshot()
    known = {p.arn for p in snapshot.principals()}
    seen = set()
    for day in (0, DEMO_DAYS - 1):
        for record in demo_records(day):
            identity = record["userIdentity"]
            issuer = identity.get("sessionContext", {}).get("sessionIssuer", {})
            seen.add(issuer.get("arn") or identity["arn"])
    assert seen <= known
    assert "arn:aws:iam::210987654321:role/dev-role-01" in seen
