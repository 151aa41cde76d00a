"""`iamwarden.toml`: known accounts and archive rules, one suppression model with `assess`"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from iamwarden.analysis import AssessOptions, assess, parse_suppressions
from iamwarden.analysis.assessment import mute_findings
from iamwarden.config import Config, Suppression, glob_match, parse_config
from iamwarden.errors import InputError
from iamwarden.findings import Finding, Severity, Status
from iamwarden.snapshot.demo import demo_snapshot

GOOD = """
[trust.known_accounts]
"464622532012" = "Datadog"

[[archive_rules]]
check_id = "external_access_cross_account"
resource_arn = "arn:aws:s3:::acme-shared-*"
principal = "444455556666"
reason = "partner reads reports"
expires = 2027-03-31
"""


def test_parse_config_reads_known_accounts_and_archive_rules():
    config = parse_config(GOOD)
    assert config.known_accounts == {"464622532012": "Datadog"}
    assert config.account_label("464622532012") == "Datadog (464622532012)"
    assert config.account_label("111122223333") == "111122223333"
    assert config.archive_rules == (
        Suppression(
            check_id="external_access_cross_account",
            resource_arn="arn:aws:s3:::acme-shared-*",
            principal="444455556666",
            reason="partner reads reports",
            expires=date(2027, 3, 31),
        ),
    )


def test_an_empty_file_is_an_empty_config():
    assert parse_config("") == Config()


@pytest.mark.parametrize(
    ("text", "location", "problem"),
    [
        ("[trust.known_accounts]\n'12' = 'x'\n", "trust.known_accounts.12", "12-digit"),
        (
            "[trust.known_accounts]\n'111122223333' = 3\n",
            "trust.known_accounts.111122223333",
            "name",
        ),
        ("[trust]\nknown = 1\n", "trust.known", "unknown key"),
        ("colour = 1\n", "colour", "unknown key"),
        ("[[archive_rules]]\nreason = 'x'\n", "archive_rules[0].check_id", "required"),
        (
            "[[archive_rules]]\ncheck_id = 'root_mfa_enabled'\n",
            "archive_rules[0].reason",
            "required",
        ),
        (
            "[[archive_rules]]\ncheck_id = 'root_mfa_enabled'\nreason = 'x'\nexpires = 'soon'\n",
            "archive_rules[0].expires",
            "date",
        ),
        (
            "[[archive_rules]]\ncheck_id = 'nope'\nreason = 'x'\n",
            "archive_rules[0].check_id",
            "unknown check",
        ),
        (
            "[[archive_rules]]\ncheck_id = 'root_mfa_enabled'\nreason = 'x'\nuntil = 1\n",
            "archive_rules[0].until",
            "unknown field",
        ),
    ],
)
def test_a_bad_file_names_the_key(text, location, problem):
    with pytest.raises(InputError) as caught:
        parse_config(text, path="iamwarden.toml", known_checks={"root_mfa_enabled"})
    assert caught.value.problems[0].location == location
    assert problem in str(caught.value)
    assert str(caught.value).startswith("iamwarden.toml: ")


def test_a_file_that_is_not_toml_is_an_input_error_with_its_line():
    with pytest.raises(InputError) as caught:
        parse_config("[trust\n", path="iamwarden.toml")
    assert caught.value.location == "line 1:7"
    assert str(caught.value).startswith("iamwarden.toml: line 1:7: invalid TOML: ")
    with pytest.raises(InputError) as caught:
        parse_config("[trust", path="iamwarden.toml")
    assert caught.value.location == "end of file"


def test_a_value_toml_cannot_read_names_its_key():
    text = '[[archive_rules]]\ncheck_id = "root_mfa_enabled"\nexpires = 2027-13-45\n'
    with pytest.raises(InputError) as caught:
        parse_config(text, path="iamwarden.toml", known_checks={"root_mfa_enabled"})
    assert caught.value.location == "line 3:15"
    assert caught.value.problem.endswith("(in the value of `expires`)")


def test_globs_match_whole_values():
    assert glob_match("arn:aws:s3:::acme-*", "arn:aws:s3:::acme-logs")
    assert glob_match("4444?5556666", "444455556666")
    assert not glob_match("arn:aws:s3:::acme", "arn:aws:s3:::acme-logs")
    assert not glob_match("a.c", "abc")


def _finding(principal: str | None = "444455556666") -> Finding:
    evidence = {"principals": [principal]} if principal is not None else {}
    return Finding(
        check_id="external_access_cross_account",
        resource_arn="arn:aws:s3:::acme-shared-reports",
        status=Status.FAIL,
        severity=Severity.MEDIUM,
        message="shared",
        evidence=evidence,
    )


def _fields(finding: Finding) -> dict[str, object]:
    return {n: getattr(finding, n) for n in Finding.__dataclass_fields__}


def test_a_rule_matches_on_check_resource_and_principal():
    rule = parse_config(GOOD).archive_rules[0]
    on = datetime(2027, 3, 31, 23, tzinfo=UTC)
    (muted,), expired = mute_findings([_finding()], [rule], on=on)
    assert muted.status is Status.MUTED and expired == ()
    assert muted.evidence["muted_reason"] == "partner reads reports"
    assert muted.evidence["muted_until"] == "2027-03-31"
    (other,), _ = mute_findings([_finding("999988887777")], [rule], on=on)
    assert other.status is Status.FAIL
    (none,), _ = mute_findings([_finding(None)], [rule], on=on)
    assert none.status is Status.FAIL
    two = Finding(**{**_fields(_finding()), "evidence": {"principals": ["444455556666", "1"]}})
    (both,), _ = mute_findings([two], [rule], on=on)
    assert both.status is Status.FAIL  # every principal of the finding must match


def test_an_expired_rule_stops_muting_and_is_reported():
    rule = parse_config(GOOD).archive_rules[0]
    (kept,), expired = mute_findings([_finding()], [rule], on=datetime(2027, 4, 1, tzinfo=UTC))
    assert kept.status is Status.FAIL
    assert expired == (rule,)


def test_assess_suppressions_are_the_same_rules_with_expiry():
    text = (
        "suppressions:\n  - check_id: root_mfa_enabled\n    reason: lab\n"
        "    expires: '2026-10-31'\n"
    )
    (rule,) = parse_suppressions(text)
    assert rule.expires == date(2026, 10, 31)
    result = assess(demo_snapshot(), AssessOptions(suppressions=(rule,)))  # as of 2026-11-01
    root = [f for f in result.findings if f.check_id == "root_mfa_enabled"]
    assert [f.status for f in root] == [Status.FAIL]
    assert result.expired_suppressions == (rule,)
    live = assess(
        demo_snapshot(),
        AssessOptions(suppressions=(Suppression(check_id="root_mfa_enabled", reason="lab"),)),
    )
    assert [f.status for f in live.findings if f.check_id == "root_mfa_enabled"] == [Status.MUTED]
    assert live.expired_suppressions == ()


def test_the_terminal_report_lists_expired_suppressions():
    from io import StringIO

    from rich.console import Console

    from iamwarden.report import render_terminal

    rule = Suppression(check_id="root_mfa_enabled", reason="lab", expires=date(2026, 1, 1))
    result = assess(demo_snapshot(), AssessOptions(suppressions=(rule,)))
    out = StringIO()
    render_terminal(result, Console(file=out, width=200))
    assert "Expired suppression (mutes nothing): root_mfa_enabled * expired 2026-01-01" in (
        out.getvalue()
    )
