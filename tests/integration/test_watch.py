"""`iamwarden watch` end to end against the AWS API emulator on 127.0.0.1: an S3 prefix of
CloudTrail files, an SQS queue of EventBridge events (messages deleted once their alerts are
committed), and an SNS topic as a sink (read back through a subscribed queue)"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from iamwarden.cli.main import cli
from tests.activity.conftest import record

pytestmark = pytest.mark.integration

PREFIX = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/01"


def _stop(n: int) -> dict[str, Any]:
    return record(
        "StopLogging",
        source="cloudtrail.amazonaws.com",
        params={"name": "main"},
        readOnly=False,
        eventID=f"stop-{n}",
    )


def _create_user(n: int) -> dict[str, Any]:
    return record(
        "CreateUser",
        source="iam.amazonaws.com",
        params={"userName": f"u{n}"},
        readOnly=False,
        eventID=f"user-{n}",
    )


def _watch(*args: str) -> tuple[int, list[dict[str, Any]], str]:
    result = CliRunner().invoke(cli, ["watch", *args, "--once", "--format", "json"])
    alerts = [json.loads(line) for line in result.stdout.splitlines()]
    return result.exit_code, alerts, result.stderr


def test_an_s3_prefix_is_followed_key_by_key(emulator: str, tmp_path: Path) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="trail")
    body = gzip.compress(json.dumps({"Records": [_stop(1), record("GetObject")]}).encode())
    s3.put_object(Bucket="trail", Key=f"{PREFIX}/a.json.gz", Body=body)
    state = str(tmp_path / "s.sqlite")
    code, alerts, err = _watch("s3://trail/AWSLogs/", "--state", state)
    assert code == 0, err
    assert sorted(a["rule"] for a in alerts) == [
        "cis_cloudtrail_changes",
        "cloudtrail_stopped_or_deleted",
    ]
    assert alerts[0]["source"] == f"s3://trail/{PREFIX}/a.json.gz"
    s3.put_object(
        Bucket="trail", Key=f"{PREFIX}/b.json", Body=json.dumps({"Records": [_create_user(1)]})
    )
    code, alerts, _ = _watch("s3://trail/AWSLogs/", "--state", state)
    assert code == 0
    assert [(a["rule"], a["event_id"]) for a in alerts] == [("iam_user_created", "user-1")]
    code, alerts, _ = _watch("s3://trail/AWSLogs/", "--state", state)
    assert (code, alerts) == (0, [])


def test_a_missing_bucket_is_one_line_exit_2(emulator: str, tmp_path: Path) -> None:
    code, _, err = _watch("s3://no-such-bucket/x", "--state", str(tmp_path / "s.sqlite"))
    assert code == 2
    assert err == "error: s3://no-such-bucket/x: S3: NoSuchBucket\n"


def _bridge(detail: dict[str, Any]) -> str:
    """The event an EventBridge rule puts on its SQS target (EventBridge User Guide,
    "AWS service events delivered via AWS CloudTrail")"""
    return json.dumps(
        {
            "version": "0",
            "id": "e-" + detail["eventID"],
            "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.cloudtrail",
            "account": "111122223333",
            "time": detail["eventTime"],
            "region": "us-east-1",
            "resources": [],
            "detail": detail,
        }
    )


def test_an_sqs_queue_is_drained_and_alerts_go_to_sns(emulator: str, tmp_path: Path) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    sns = boto3.client("sns", region_name="us-east-1")
    queue = sqs.create_queue(QueueName="trail-events")["QueueUrl"]
    inbox = sqs.create_queue(QueueName="alert-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=inbox_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    for message in (_bridge(_stop(1)), _bridge(_create_user(2)), _bridge(_stop(1))):
        sqs.send_message(QueueUrl=queue, MessageBody=message)
    state = str(tmp_path / "s.sqlite")
    code, alerts, err = _watch("--queue-url", queue, "--state", state, "--sns-topic", topic)
    assert code == 0, err
    # the same event twice (EventBridge delivers at least once): its alerts once
    assert sorted((a["rule"], a["event_id"]) for a in alerts) == [
        ("cis_cloudtrail_changes", "stop-1"),
        ("cloudtrail_stopped_or_deleted", "stop-1"),
        ("iam_user_created", "user-2"),
    ]
    left = sqs.get_queue_attributes(
        QueueUrl=queue,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert left == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }
    published = []
    while True:
        got = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            break
        published.extend(json.loads(m["Body"]) for m in got)
    assert sorted(p["alert_id"] for p in published) == sorted(a["alert_id"] for a in alerts)


def test_a_missing_queue_is_one_line_exit_2(emulator: str, tmp_path: Path) -> None:
    code, _, err = _watch(
        "--queue-url", f"{emulator}/123456789012/none", "--state", str(tmp_path / "s.sqlite")
    )
    assert code == 2
    assert err.startswith(f"error: {emulator}/123456789012/none: SQS: ")


def test_the_region_comes_from_the_queue_url_and_topic_arn(
    emulator: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a default Region (AWS_DEFAULT_REGION unset), the queue URL's host
    (sqs.REGION.amazonaws.com, AWS General Reference "Amazon SQS endpoints") and the topic
    ARN's Region field name the Region; AWS_ENDPOINT_URL still routes to the emulator"""
    sqs = boto3.client("sqs", region_name="eu-west-3")
    sns = boto3.client("sns", region_name="eu-west-3")
    sqs.create_queue(QueueName="trail-events")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    queue = "https://sqs.eu-west-3.amazonaws.com/123456789012/trail-events"
    sqs.send_message(QueueUrl=queue, MessageBody=_bridge(_stop(1)))
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    state = str(tmp_path / "s.sqlite")
    code, alerts, err = _watch(
        f"sqs://{queue.removeprefix('https://')}", "--state", state, "--sns-topic", topic
    )
    assert code == 0, err
    assert {a["event_id"] for a in alerts} == {"stop-1"}
    assert topic.startswith("arn:aws:sns:eu-west-3:")


@pytest.mark.parametrize("where", ["queue", "topic"])
def test_no_region_anywhere_is_one_line_exit_2(
    emulator: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    args = (
        ["--queue-url", f"{emulator}/123456789012/none"]
        if where == "queue"
        else [str(tmp_path), "--sns-topic", "arn:aws:sns::123456789012:alerts"]
    )
    code, _, err = _watch(*args, "--state", str(tmp_path / "s.sqlite"))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "no AWS Region" in err


def test_an_s3_object_with_a_record_nested_too_deeply_alerts_on_the_rest(
    emulator: str, tmp_path: Path
) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="trail")
    deep: Any = "x"
    for _ in range(400):
        deep = {"k": deep}
    records = [{**_create_user(1), "requestParameters": deep}, _stop(2)]
    body = gzip.compress(json.dumps({"Records": records}).encode())
    s3.put_object(Bucket="trail", Key=f"{PREFIX}/a.json.gz", Body=body)
    code, alerts, err = _watch("s3://trail/AWSLogs/", "--state", str(tmp_path / "s.sqlite"))
    assert code == 0, err
    assert "cloudtrail_stopped_or_deleted" in {a["rule"] for a in alerts}
    assert "a.json.gz: Records[0]: JSON nested too deeply" in err and "record skipped" in err
