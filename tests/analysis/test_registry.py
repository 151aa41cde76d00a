import dataclasses

import pytest

import iamwarden.analysis as analysis
from iamwarden.analysis import (
    CheckContext,
    CheckSpec,
    Permissions,
    Remediation,
    check,
    registered_checks,
)
from iamwarden.analysis.registry import _REGISTRY
from iamwarden.findings import Severity, Status
from iamwarden.policy import load_catalog
from iamwarden.snapshot import DataSet
from tests.builders import NOW, snapshot

VALID = CheckSpec(
    id="example_check",
    title="Example",
    severity=Severity.LOW,
    resource_type="AwsIamUser",
    rationale="why",
    remediation=Remediation(text="fix", command="aws iam ..."),
    group_title="{count} examples",
    group_label="Users",
    references=("https://example.com",),
)


def test_every_registered_spec_is_valid_and_keyed_by_its_id():
    checks = registered_checks()
    assert len(checks) >= 26
    for check_id, entry in checks.items():
        assert entry.spec.id == check_id
        assert entry.spec.problems() == ()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"id": "Bad-Id"}, "id must be snake_case"),
        ({"title": "two\nlines"}, "title must be one non-empty line"),
        ({"group_title": "examples"}, "group_title must contain `{count}`"),
        ({"resource_type": "Nope"}, "unknown resource type `Nope`"),
        ({"remediation": Remediation(text="fix")}, "remediation needs text and a command"),
        ({"references": ("http://insecure",)}, "references must be https URLs"),
    ],
)
def test_invalid_specs_are_refused(change, problem):
    with pytest.raises(
        ValueError,
        match=problem.replace("{", r"\{").replace("}", r"\}").replace("`", "`").replace("(", r"\("),
    ):
        dataclasses.replace(VALID, **change)


def test_duplicate_ids_are_refused():
    taken = next(iter(registered_checks()))
    with pytest.raises(ValueError, match="already registered"):
        check(dataclasses.replace(VALID, id=taken))(lambda ctx: iter(()))


def test_public_surface_equals_all():
    public = {name for name in dir(analysis) if not name.startswith("_")}
    modules = {
        "assessment",
        "checks",
        "compliance",
        "credentials",
        "custom_checks",
        "effective",
        "escalation",
        "evidence",
        "exposure",
        "organization",
        "permissions",
        "principals",
        "quality",
        "registry",
        "risks",
        "simulation",
    }
    assert public - modules == set(analysis.__all__)


def test_needs_turn_a_missing_data_set_into_one_not_assessed_finding():
    spec = dataclasses.replace(
        VALID, id="example_needs_check", needs=(DataSet.CREDENTIAL_REPORT, DataSet.COMPUTE)
    )
    ran = []

    def body(ctx):
        ran.append(ctx)
        yield ctx.passed(ctx.snapshot.account.root_arn, "ran")

    try:
        guarded = check(spec)(body)
        catalog = load_catalog()
        snap = snapshot(collected=frozenset(DataSet) - {DataSet.COMPUTE})
        ctx = CheckContext(
            snapshot=snap,
            catalog=catalog,
            permissions=Permissions(snap, catalog),
            now=NOW,
            spec=spec,
        )
        (finding,) = guarded(ctx)
        assert ran == []
        assert finding.status is Status.NOT_ASSESSED
        assert finding.resource_arn == snap.account.root_arn
        assert finding.evidence["missing_data"] == ["compute"]
        full = dataclasses.replace(ctx, snapshot=snapshot())
        assert [f.message for f in guarded(full)] == ["ran"]
    finally:
        _REGISTRY.pop(spec.id, None)
