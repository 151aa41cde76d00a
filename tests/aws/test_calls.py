"""`Caller`: failed calls become gaps, never exceptions (botocore Stubber, no network)"""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from iamwarden.aws.calls import Caller, Clients, GapReason, ProgressEvent, ProgressKind
from iamwarden.snapshot import DataSet


@pytest.fixture
def clients() -> Clients:
    made = boto3.Session(aws_access_key_id="k", aws_secret_access_key="s", region_name="us-east-1")
    return Clients(made, Config(retries={"mode": "adaptive", "max_attempts": 1}))


def _caller(clients: Clients, events: list[ProgressEvent] | None = None) -> Caller:
    sink = events.append if events is not None else (lambda e: None)
    return Caller(
        account="111122223333",
        clients=clients,
        home_region="us-east-1",
        service_limits={"iam": 2},
        default_limit=4,
        progress=sink,
    )


def test_a_successful_call_is_counted_and_reported(clients: Clients) -> None:
    events: list[ProgressEvent] = []
    caller = _caller(clients, events)
    with Stubber(clients.get("iam", "us-east-1")) as stub:
        stub.add_response("get_account_summary", {"SummaryMap": {"Users": 2}})
        reply = caller.call("iam", "", "get_account_summary", DataSet.ACCOUNT_SUMMARY)
    assert reply is not None and reply["SummaryMap"] == {"Users": 2}
    assert caller.stats.calls == 1 and caller.gaps == ()
    assert [e.kind for e in events] == [ProgressKind.CALL]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("AccessDenied", GapReason.ACCESS_DENIED),
        ("InvalidClientTokenId", GapReason.REGION_UNAVAILABLE),
        ("Throttling", GapReason.THROTTLED),
        ("ServiceFailure", GapReason.SERVICE_ERROR),
    ],
)
def test_a_client_error_is_a_gap(clients: Clients, code: str, reason: GapReason) -> None:
    caller = _caller(clients)
    with Stubber(clients.get("iam", "us-east-1")) as stub:
        stub.add_client_error("get_account_summary", service_error_code=code)
        reply = caller.call(
            "iam",
            "",
            "get_account_summary",
            (DataSet.ACCOUNT_SUMMARY, DataSet.AUTHORIZATION_DETAILS),
        )
    assert reply is None
    assert [(g.dataset, g.reason, g.error_code, g.call, g.service) for g in caller.gaps] == [
        (DataSet.ACCOUNT_SUMMARY, reason.value, code, "GetAccountSummary", "iam"),
        (DataSet.AUTHORIZATION_DETAILS, reason.value, code, "GetAccountSummary", "iam"),
    ]
    assert all(g.account == "111122223333" for g in caller.gaps)


def test_an_absent_code_means_collected_and_empty(clients: Clients) -> None:
    caller = _caller(clients)
    with Stubber(clients.get("iam", "us-east-1")) as stub:
        stub.add_client_error("get_account_password_policy", service_error_code="NoSuchEntity")
        reply = caller.call(
            "iam",
            "",
            "get_account_password_policy",
            DataSet.PASSWORD_POLICY,
            absent=("NoSuchEntity",),
        )
    assert reply == {} and caller.gaps == ()


def test_pagination_collects_every_page(clients: Clients) -> None:
    caller = _caller(clients)
    with Stubber(clients.get("iam", "us-east-1")) as stub:
        stub.add_response(
            "list_access_keys", {"AccessKeyMetadata": [], "IsTruncated": True, "Marker": "m"}
        )
        stub.add_response("list_access_keys", {"AccessKeyMetadata": [], "IsTruncated": False})
        pages = caller.paginate(
            "iam", "", "list_access_keys", DataSet.ACCESS_KEY_LAST_USED, UserName="alice"
        )
    assert pages is not None and len(pages) == 2 and caller.stats.calls == 2


def test_an_unreachable_region_is_a_gap(clients: Clients) -> None:
    caller = _caller(clients)
    client = clients.get("kms", "ap-east-1")

    def refuse(**_: object) -> None:
        raise EndpointConnectionError(endpoint_url="https://kms.ap-east-1.amazonaws.com")

    client.meta.events.register("before-send.kms.ListKeys", refuse)
    assert caller.paginate("kms", "ap-east-1", "list_keys", DataSet.RESOURCE_POLICIES) is None
    (gap,) = caller.gaps
    assert (gap.region, gap.reason, gap.error_code) == (
        "ap-east-1",
        GapReason.UNREACHABLE.value,
        "EndpointConnectionError",
    )


def test_gaps_are_deduplicated_and_sorted(clients: Clients) -> None:
    caller = _caller(clients)
    for region in ("us-west-2", "eu-west-1", "us-west-2"):
        caller.record(
            DataSet.COMPUTE,
            reason=GapReason.ACCESS_DENIED,
            service="ec2",
            region=region,
            call="DescribeInstances",
        )
    assert [g.region for g in caller.gaps] == ["eu-west-1", "us-west-2"]
