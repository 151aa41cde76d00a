"""Where `iamwarden watch` delivers alerts: a JSON lines file, a webhook (Slack-compatible
payload), an SNS topic, or a callback (the CLI's standard output)

Every sink raises `SinkError` when an alert was not delivered, so the watcher keeps it pending;
`flush` makes what `deliver` took durable (the watcher records deliveries only after it).
A webhook URL is a secret (Slack's carry a token): errors name only its host.

This module writes only through `iamwarden.fileio` and never prints.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from iamwarden.activity.watch import SinkError, aws_client
from iamwarden.errors import InputError
from iamwarden.fileio import append_lines, read_text

__all__ = [
    "CallbackSink",
    "JsonLinesSink",
    "SnsSink",
    "WebhookSink",
    "alert_text",
    "not_assessed",
    "slack_payload",
]

_SEVERITY_MARK = {"critical": ":red_circle:", "high": ":large_orange_circle:"}


def not_assessed(alert: Mapping[str, Any]) -> str:
    """`NOT_ASSESSED: cond, cond` for the rule conditions the alert could not decide (such as
    `target_is_admin` without a snapshot), or an empty string when every one was decided"""
    undecided = alert.get("not_assessed")
    if not isinstance(undecided, list) or not undecided:
        return ""
    return "NOT_ASSESSED: " + ", ".join(str(kind) for kind in undecided)


def alert_text(alert: Mapping[str, Any]) -> str:
    """One line for a person: severity, rule, event, caller, account, region, time, eventID,
    and the conditions not assessed (the alert stands on the rest)"""
    undecided = not_assessed(alert)
    return (
        f"[{str(alert.get('severity', '')).upper()}] {alert.get('rule')}: {alert.get('title')}"
        f" — {alert.get('event_name')} by {alert.get('caller') or '?'} in account "
        f"{alert.get('account') or '?'} {alert.get('region') or '?'} at "
        f"{alert.get('event_time') or '?'} (event {alert.get('event_id') or '?'})"
        + (f" [{undecided}]" if undecided else "")
    )


class CallbackSink:
    """Alerts handed to a function (the CLI prints them)"""

    def __init__(self, name: str, deliver: Callable[[Mapping[str, Any]], None]) -> None:
        self.name = name
        self._deliver = deliver

    def deliver(self, alert: Mapping[str, Any]) -> None:
        """Hand the alert to the function"""
        self._deliver(alert)

    def flush(self) -> None:
        """Nothing is buffered"""


class JsonLinesSink:
    """One JSON object per line, appended; alerts the file already holds (by `alert_id`) are
    not written again, so delivery to it is exactly once across crashes"""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"jsonl:{path.resolve()}"
        self._written: set[str] = set()
        self._buffer: list[tuple[str | None, str]] = []
        if path.is_file():
            for line in read_text(path).splitlines():
                try:
                    found = json.loads(line)
                except ValueError:
                    continue  # a line torn by a crash: its alert is written again whole
                if isinstance(found, dict) and isinstance(found.get("alert_id"), str):
                    self._written.add(found["alert_id"])

    def deliver(self, alert: Mapping[str, Any]) -> None:
        """Take the alert unless the file has it (written by `flush`)"""
        alert_id = alert.get("alert_id")
        if alert_id in self._written:
            return
        self._buffer.append(
            (alert_id if isinstance(alert_id, str) else None, json.dumps(alert, sort_keys=True))
        )

    def flush(self) -> None:
        """Append the alerts taken, in one synced write"""
        taken, self._buffer = self._buffer, []
        try:
            append_lines(self.path, [line for _, line in taken])
        except InputError as error:
            raise SinkError(str(error)) from None
        self._written.update(alert_id for alert_id, _ in taken if alert_id)


def slack_payload(alert: Mapping[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook message (`text` plus Block Kit `blocks`, per Slack's
    "Sending messages using incoming webhooks"); other chat tools read `text`"""
    mark = _SEVERITY_MARK.get(str(alert.get("severity")), ":warning:")
    fields = [
        ("Event", alert.get("event_name")),
        ("Caller", alert.get("caller")),
        ("Account", alert.get("account")),
        ("Region", alert.get("region")),
        ("Time", alert.get("event_time")),
        ("Event ID", alert.get("event_id")),
    ]
    undecided = not_assessed(alert)
    if undecided:
        fields.append(("Not assessed", undecided.removeprefix("NOT_ASSESSED: ")))
    return {
        "text": f"{mark} {alert_text(alert)}",
        "blocks": [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": f"{str(alert.get('severity', '')).upper()}: {alert.get('title')}"[:150],
                },
            },
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{label}*\n{value if value else '-'}"}
                    for label, value in fields
                ],
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"rule `{alert.get('rule')}` · from {alert.get('source') or '-'}",
                    }
                ],
            },
        ],
    }


class WebhookSink:
    """An HTTP POST of the Slack-compatible payload (JSON) to a URL"""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError("a webhook is an http(s):// URL", location="--webhook")
        self.url = url
        self.timeout = timeout
        self.name = f"webhook:{parts.hostname}"

    def deliver(self, alert: Mapping[str, Any]) -> None:
        """POST the alert; any status outside 2xx is a failure"""
        request = Request(
            self.url,
            data=json.dumps(slack_payload(alert)).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urlopen(request, timeout=self.timeout) as reply:
                reply.read()
        except HTTPError as error:
            raise SinkError(f"HTTP {error.code}") from None
        except (URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise SinkError(f"cannot reach the webhook ({reason})") from None

    def flush(self) -> None:
        """Each POST is complete when it returns"""


class SnsSink:
    """An SNS message per alert (boto3, its credential chain and `AWS_ENDPOINT_URL`, in the
    topic ARN's Region): subject the rule and severity (and `NOT_ASSESSED` when a condition
    was not decided), message the alert's JSON (its `not_assessed` list)

    Raises:
        InputError: (constructing) no Region in the ARN and none configured.
    """

    def __init__(self, topic_arn: str, *, client: Any = None) -> None:
        self.topic_arn = topic_arn
        self.name = f"sns:{topic_arn}"
        self._client = client if client is not None else aws_client("sns", topic_arn)

    def deliver(self, alert: Mapping[str, Any]) -> None:
        """Publish the alert"""
        from botocore.exceptions import BotoCoreError, ClientError

        mark = ", NOT_ASSESSED" if not_assessed(alert) else ""  # first: the subject is cut
        subject = f"[{str(alert.get('severity', '')).upper()}{mark}] {alert.get('title')}"
        try:
            self._client.publish(
                TopicArn=self.topic_arn,
                Subject="".join(c if c.isprintable() else " " for c in subject)[:100],
                Message=json.dumps(alert, sort_keys=True),
            )
        except ClientError as error:
            raise SinkError(
                f"SNS: {error.response.get('Error', {}).get('Code', 'error')}"
            ) from None
        except BotoCoreError as error:
            raise SinkError(f"SNS: {error}") from None

    def flush(self) -> None:
        """Each publish is complete when it returns"""
