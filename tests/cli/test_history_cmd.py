"""`assess --store`, `iamwarden history` and `iamwarden diff` on a SQLite store (PostgreSQL:
tests/integration/test_history_postgres.py): scans stored and listed, drift between ids,
dates, latest/previous and JSON reports, `--fail-on-new`, `--output`, one-line errors"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from iamwarden.cli.main import cli
from iamwarden.snapshot import Account, demo_snapshot, dump_snapshot
from tests.cli.test_files import one_error_line


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _json(result: Result) -> Any:
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A store with two demo scans: on 2026-11-01 with one LOW finding suppressed, and on
    2026-11-08 without the suppression (the finding fails again: new)"""
    base = tmp_path_factory.mktemp("history")
    url = f"sqlite:///{base / 'history.db'}"
    plain = base / "plain.json"
    assert run("assess", "--demo", "--format", "json", "-o", str(plain)).exit_code == 0
    report = json.loads(plain.read_text())
    low = next(f for f in report["findings"] if f["status"] == "FAIL" and f["severity"] == "low")
    rules = base / "rules.yaml"
    rules.write_text(
        "suppressions:\n"
        f"  - check_id: {low['check_id']}\n"
        f'    resource_arn: "{low["resource_arn"]}"\n'
        "    reason: tracked\n"
    )
    muted = base / "muted.json"
    first = run(
        "assess", "--demo", "--as-of", "2026-11-01", "--suppressions", str(rules),
        "--store", url, "--format", "json", "-o", str(muted),
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    second = run("assess", "--demo", "--as-of", "2026-11-08", "--store", url, "-o", "/dev/null")
    assert second.exit_code == 0, second.output
    return {
        "url": url,
        "low": low,
        "muted": muted,
        "account": report["account"]["id"],
        "stderr": (first.stderr, second.stderr),
    }


def test_assess_says_which_scan_it_stored(stored: dict[str, Any]) -> None:
    account = stored["account"]
    assert f"stored scan 1 of account {account} in {stored['url']}" in stored["stderr"][0]
    assert f"stored scan 2 of account {account} in {stored['url']}" in stored["stderr"][1]


def test_history_lists_the_scans_oldest_first(stored: dict[str, Any]) -> None:
    data = _json(run("history", "--store", stored["url"], "--format", "json"))
    first, second = data["scans"]
    assert (first["scan_id"], second["scan_id"]) == (1, 2)
    assert first["assessment_date"].startswith("2026-11-01")
    assert second["assessment_date"].startswith("2026-11-08")
    assert first["by_status"]["MUTED"] == 1 and second["by_status"]["MUTED"] == 0
    assert second["failing_by_severity"]["low"] == first["failing_by_severity"]["low"] + 1
    assert first["scores"][0]["framework"] == "CIS AWS Foundations Benchmark v3.0"
    text = run("history", "--store", stored["url"], "--account", stored["account"]).stdout
    assert text.splitlines()[0].split()[:3] == ["scan", "assessed", "(UTC)"]
    assert [line.split()[0] for line in text.splitlines()[1:]] == ["1", "2"]
    other = one_error_line(run("history", "--store", stored["url"], "--account", "999999999999"))
    assert other == (
        f"error: store `{stored['url']}`: no scan of account 999999999999 "
        f"(accounts stored: {stored['account']})"
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [("previous", "latest"), ("1", "2"), ("2026-11-01", "2026-11-08T00:00:00Z")],
)
def test_diff_by_ids_dates_and_names(stored: dict[str, Any], before: str, after: str) -> None:
    data = _json(run("diff", before, after, "--store", stored["url"], "--format", "json"))
    assert (data["before"]["scan_id"], data["after"]["scan_id"]) == (1, 2)
    assert data["summary"]["new"] == 1
    assert sum(data["summary"].values()) - data["summary"]["still_failing"] == 1
    (change,) = [c for c in data["changes"] if c["change"] != "still_failing"]
    assert (change["id"], change["before"], change["after"]) == (
        stored["low"]["id"],
        "MUTED",
        "FAIL",
    )


def test_diff_backwards_calls_it_muted_and_warns(stored: dict[str, Any]) -> None:
    """A newer than B is compared as given, with one warning line on stderr"""
    result = run("diff", "latest", "previous", "--store", stored["url"], "--format", "json")
    data = _json(result)
    assert data["summary"]["muted"] == 1 and data["summary"]["new"] == 0
    assert result.stderr == (
        "warning: A (scan 2, 2026-11-08 00:00:00 UTC) is newer than B (scan 1, "
        "2026-11-01 00:00:00 UTC): the changes shown go back in time (give the older scan "
        "first)\n"
    )
    assert run("diff", "previous", "latest", "--store", stored["url"]).stderr == ""


def test_a_json_report_against_a_stored_scan(stored: dict[str, Any], tmp_path: Path) -> None:
    """A file is read through the guarded reader; `--output` writes the same text as stdout"""
    out = tmp_path / "drift.txt"
    result = run("diff", str(stored["muted"]), "latest", "--store", stored["url"], "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote {out}\n"
    text = out.read_text()
    assert text.startswith(f"Drift of account {stored['account']} (acme-startup): ")
    assert "\nNew (FAIL now; never failing before, or its suppression ended): 1\n" in text
    assert f"  LOW      {stored['low']['check_id']}  {stored['low']['resource_arn']}" in text
    assert "CIS AWS Foundations Benchmark v3.0 3.0.0: " in text
    same = run("diff", str(stored["muted"]), "latest", "--store", stored["url"])
    assert same.stdout == text


@pytest.mark.parametrize(("threshold", "code"), [("low", 1), ("LOW", 1), ("medium", 0)])
def test_fail_on_new(stored: dict[str, Any], threshold: str, code: int) -> None:
    """The new finding is LOW: exit 1 at or below that threshold, 0 above it"""
    result = run("diff", "previous", "latest", "--store", stored["url"], "--fail-on-new", threshold)
    assert result.exit_code == code, result.output


def test_a_regression_fails_too(stored: dict[str, Any], tmp_path: Path) -> None:
    """PASS in A, FAIL in B is a regression, and `--fail-on-new` counts it"""
    report = json.loads(stored["muted"].read_text())
    target = next(
        f for f in report["findings"] if f["status"] == "FAIL" and f["severity"] == "high"
    )
    target["status"] = "PASS"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(report))
    data = _json(run("diff", str(edited), "latest", "--store", stored["url"], "--format", "json"))
    assert [c["id"] for c in data["changes"] if c["change"] == "regressed"] == [target["id"]]
    result = run("diff", str(edited), "latest", "--store", stored["url"], "--fail-on-new", "high")
    assert result.exit_code == 1


def test_two_files_need_no_store(stored: dict[str, Any], tmp_path: Path) -> None:
    missing_store = f"sqlite:///{tmp_path / 'none.db'}"
    result = run("diff", str(stored["muted"]), str(stored["muted"]), "--store", missing_store)
    assert result.exit_code == 0 and "new 0 · regressed 0 · resolved 0" in result.stdout
    assert not (tmp_path / "none.db").exists()


def test_the_store_url_may_come_from_the_environment(
    stored: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IAMWARDEN_STORE", stored["url"])
    assert len(_json(run("history", "--format", "json"))["scans"]) == 2


def test_a_bare_store_uses_the_environment_else_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--store` alone, before another option or last; $IAMWARDEN_STORE names the store but
    never asks for storing by itself"""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IAMWARDEN_STORE", raising=False)
    result = run("assess", "--demo", "--store", "-o", "/dev/null")
    assert result.exit_code == 0, result.output
    assert "stored scan 1 of account 210987654321 in sqlite:///iamwarden-history.db" in (
        result.stderr
    )
    assert (tmp_path / "iamwarden-history.db").is_file()
    env_store = tmp_path / "env.db"
    monkeypatch.setenv("IAMWARDEN_STORE", str(env_store))
    assert run("assess", "--demo", "-o", "/dev/null").exit_code == 0
    assert not env_store.exists()
    result = run("assess", "--demo", "-o", "/dev/null", "--store")
    assert result.exit_code == 0, result.output
    assert f"in sqlite:///{env_store}" in result.stderr
    assert len(_json(run("history", "--format", "json"))["scans"]) == 1


def test_org_mode_stores_each_account(tmp_path: Path) -> None:
    """Two member accounts (each the demo account's data under its own id): two scans, one
    per assessment"""
    url = f"sqlite:///{tmp_path / 'history.db'}"
    index = tmp_path / "org"
    index.mkdir()
    members = ("111111111111", "222222222222")
    for member in members:
        snapshot = dataclasses.replace(demo_snapshot(), account=Account(id=member))
        dump_snapshot(snapshot, index / f"{member}.json")
    (index / "organization.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "organization_id": "o-abc123",
                "management_account_id": members[0],
                "collected_at": None,
                "accounts": [
                    {"id": m, "name": f"m{n}", "snapshot": f"{m}.json"}
                    for n, m in enumerate(members)
                ],
            }
        )
    )
    reports = tmp_path / "reports"
    result = run("assess", "--org-index", str(index), "--report-dir", str(reports), "--store", url)
    assert result.exit_code == 0, result.output
    assert "stored scan 1 of account 111111111111" in result.stderr
    assert "stored scan 2 of account 222222222222" in result.stderr
    scans = _json(run("history", "--store", url, "--format", "json"))["scans"]
    assert [(s["scan_id"], s["account"]["id"]) for s in scans] == [(1, members[0]), (2, members[1])]


def test_assess_checks_the_store_before_assessing(tmp_path: Path) -> None:
    line = one_error_line(run("assess", "--demo", "--store", "mysql://root:pw@db/x"))
    assert line == (
        "error: store `mysql://root:***@db/x`: give sqlite:///FILE or "
        "postgresql://USER@HOST:PORT/DATABASE"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("diff", "latest", "previous", "--store", "{missing}"),
            "error: store `{missing}`: holds no",
        ),
        (("diff", "1", "2", "--store", "{missing}"), "error: store `{missing}`: no scan `1` (see"),
        (("diff", "7", "latest", "--store", "{url}"), "error: store `{url}`: no scan `7` (see"),
        (("diff", "{dir}/nope.json", "latest", "--store", "{url}"), "error: {dir}/nope.json: "),
        (("diff", "2026-10-01", "latest", "--store", "{url}"), "error: store `{url}`: no scan of"),
        (
            ("diff", "1", "2", "--store", "{url}", "--account", "1"),
            "error: store `{url}`: scan `1`",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(
    stored: dict[str, Any], tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    values = {"missing": f"sqlite:///{tmp_path}/none.db", "url": stored["url"], "dir": tmp_path}
    line = one_error_line(run(*(a.format(**values) for a in args)))
    assert line.startswith(expected.format(**values))
    assert not (tmp_path / "none.db").exists()


def test_scans_of_two_accounts_are_not_compared(stored: dict[str, Any], tmp_path: Path) -> None:
    report = json.loads(stored["muted"].read_text())
    report["account"]["id"] = "999999999999"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(report))
    line = one_error_line(run("diff", "1", str(other), "--store", stored["url"]))
    assert line == (
        f"error: {other}: A is of account {stored['account']} and B of account 999999999999: "
        "compare scans of one account"
    )


def test_history_limit_lists_the_newest(stored: dict[str, Any]) -> None:
    scans = _json(run("history", "--store", stored["url"], "--limit", "1", "--format", "json"))
    assert [s["scan_id"] for s in scans["scans"]] == [2]
    result = run("history", "--store", stored["url"], "--limit", "0")
    assert result.exit_code == 2 and "--limit" in result.stderr


def test_a_huge_scan_id_is_no_scan(stored: dict[str, Any]) -> None:
    line = one_error_line(run("diff", "99999999999999999999", "latest", "--store", stored["url"]))
    assert line == (
        f"error: store `{stored['url']}`: no scan `99999999999999999999` (see `iamwarden history`)"
    )


def test_a_missing_store_lists_nothing_and_stays_missing(tmp_path: Path) -> None:
    result = run("history", "--store", str(tmp_path / "none.db"))
    assert result.exit_code == 0, result.output
    assert result.stdout == "no scan stored yet (store one with `iamwarden assess --store`)\n"
    assert not (tmp_path / "none.db").exists()


def test_a_foreign_database_is_refused_by_every_command(tmp_path: Path) -> None:
    """The newcomer review's `customers` database: history, diff and assess --store refuse
    it (assess before assessing: no report written), and it gets no table of ours"""
    import sqlite3

    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("create table customers(id int)")
    report = tmp_path / "report.json"
    expected = (
        f"error: store `sqlite:///{foreign}`: holds other tables (customers) and no iamwarden "
        "store: give a new or empty database"
    )
    for args in (
        ("history",),
        ("diff", "previous", "latest"),
        ("assess", "--demo", "-o", str(report)),
    ):
        assert one_error_line(run(*args, "--store", str(foreign))) == expected
    assert not report.exists()
    with sqlite3.connect(foreign) as connection:
        tables = connection.execute("select name from sqlite_master").fetchall()
    assert tables == [("customers",)]


def test_assess_refuses_a_read_only_store_before_assessing(
    stored: dict[str, Any], tmp_path: Path
) -> None:
    """An immutable store file (`chattr +i`): exit 2 before the assessment, no report"""
    import shutil
    import subprocess

    store = tmp_path / "ro.db"
    shutil.copy(stored["url"].removeprefix("sqlite:///"), store)
    locked = subprocess.run(["chattr", "+i", str(store)], capture_output=True, check=False)
    if locked.returncode != 0:
        pytest.skip(f"chattr +i is not available here: {locked.stderr!r}")
    report = tmp_path / "report.json"
    try:
        line = one_error_line(run("assess", "--demo", "--store", str(store), "-o", str(report)))
    finally:
        subprocess.run(["chattr", "-i", str(store)], check=True)
    assert line == f"error: store `sqlite:///{store}`: attempt to write a readonly database"
    assert not report.exists()


def test_a_lost_data_set_is_never_resolved(tmp_path: Path) -> None:
    """The newcomer review's case end to end: the demo snapshot, then the same account a
    week later without its credential report. Nothing is resolved, the per-user FAIL
    findings (CRITICAL user_admin_without_mfa among them) are not assessed, and
    --fail-on-new has nothing to fail on"""
    snapshot = tmp_path / "s.json"
    assert run("snapshot", "--demo", "-o", str(snapshot)).exit_code == 0
    data = json.loads(snapshot.read_text())
    data["snapshot"]["collected"].remove("credential_report")
    data["snapshot"]["collected_at"] = "2026-11-08T00:00:00+00:00"
    lacking = tmp_path / "nocr.json"
    lacking.write_text(json.dumps(data))
    url = f"sqlite:///{tmp_path / 'g.db'}"
    for source in (snapshot, lacking):
        result = run("assess", "--snapshot", str(source), "--store", url, "-o", "/dev/null")
        assert result.exit_code == 0, result.output
    result = run("diff", "previous", "latest", "--store", url, "--fail-on-new", "low")
    assert result.exit_code == 0, result.output
    assert "· resolved 0 ·" in result.stdout
    drift = _json(run("diff", "previous", "latest", "--store", url, "--format", "json"))
    lost = {(c["check_id"], c["resource_arn"].rsplit("/", 1)[-1]) for c in drift["changes"]}
    assert ("user_admin_without_mfa", "deploy-bot") in lost
    assert {c["change"] for c in drift["changes"]} == {"not_assessed", "still_failing"}
