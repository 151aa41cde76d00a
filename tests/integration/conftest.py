"""A moto server (its own process) started once per test session, reset before each test"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.retries.bucket import TokenBucket
from botocore.retries.standard import ExponentialBackoff

from tests.integration.emulator import FAKE_ENV, reset, start_server, stop_server


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """The URL of a moto server on 127.0.0.1 (free port), for the whole session"""
    server, url = start_server()
    yield url
    stop_server(server)


@pytest.fixture
def emulator(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A freshly reset emulator; boto3 reaches it through AWS_ENDPOINT_URL with fake keys"""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CA_BUNDLE",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    reset(moto_url)
    return moto_url


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shorten botocore's retry sleeps for fault tests (the emulator answers in microseconds)

    The retry decisions stay botocore's own (adaptive mode); only the jittered back-off delay
    and the adaptive rate limiter's floor (0.5 requests/s) are scaled to the emulator's speed.
    """
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.01)
    original = TokenBucket.__init__

    def fast_bucket(
        self: TokenBucket, max_rate: float, clock: object, min_rate: float = 0.5
    ) -> None:
        original(self, max_rate, clock, min_rate=max(min_rate, 200.0))

    monkeypatch.setattr(TokenBucket, "__init__", fast_bucket)
