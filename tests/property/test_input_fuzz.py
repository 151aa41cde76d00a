"""Random and mutated scenario files and snapshot files raise only the documented input errors"""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from iamwarden.analysis.simulation import load_scenarios
from iamwarden.errors import ScenarioError, SnapshotFormatError
from iamwarden.snapshot import demo_snapshot, snapshot_from_json, snapshot_to_json
from tests.property.test_importer_fuzz import SETTINGS, json_values, mutated

SCENARIOS = {
    "scenarios": [
        {
            "name": "s",
            "principal": "arn:aws:iam::111122223333:user/alice",
            "identity_policies": [
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
                }
            ],
            "scps": [[{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}]],
            "context": {"aws:SourceIp": "10.0.0.1", "aws:TagKeys": ["a"]},
            "requests": [{"action": "s3:GetObject", "resource": "*", "expect": "allowed"}],
        }
    ]
}
_DEMO = snapshot_to_json(demo_snapshot())


def _only(error: type[Exception], call: Any, *args: Any) -> None:
    try:
        call(*args)
    except error as raised:
        assert str(raised) and "\n" not in str(raised)


@SETTINGS
@given(mutated(SCENARIOS))
def test_mutated_scenario_file(data: Any) -> None:
    _only(ScenarioError, load_scenarios, json.dumps(data))


@SETTINGS
@given(st.one_of(st.text(max_size=200), json_values.map(yaml.safe_dump)))
def test_random_scenario_text(text: str) -> None:
    _only(ScenarioError, load_scenarios, text)


@SETTINGS
@given(mutated(_DEMO))
def test_mutated_snapshot(data: Any) -> None:
    _only(SnapshotFormatError, snapshot_from_json, data)
