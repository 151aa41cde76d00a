"""Policies found in CloudFormation templates and Terraform plans: where each sits, its kind,
its line or JSON path, intrinsic functions as placeholders, and shapes that are refused"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from iamwarden.errors import InputError
from iamwarden.fileio import compose_yaml
from iamwarden.policy import DiagnosticSeverity, PolicyKind, lint_policy
from iamwarden.policy.sources import (
    FoundPolicy,
    Located,
    cloudformation_policies,
    intrinsic_tag,
    is_cloudformation,
    is_terraform_plan,
    located_yaml,
    policy_variants,
    render,
    terraform_policies,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "lint"
CORPORA = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"
MOTO = CORPORA / "iam-policy-validation" / "moto_iam_policy_validation_cases.json"


def _template(text: str) -> list[FoundPolicy]:
    located = located_yaml(compose_yaml(text), application_tag=intrinsic_tag)
    assert is_cloudformation(located.value)
    return list(cloudformation_policies(located))


def _fixture_template() -> dict[str, FoundPolicy]:
    found = _template((DATA / "template.yaml").read_text())
    return {variants[0].pointer: variants[0] for variants in policy_variants(found)}


def test_every_cloudformation_resource_type_is_read_with_its_usage_and_line() -> None:
    found = _fixture_template()
    usages = {pointer: (f.usage, f.line, f.managed) for pointer, f in found.items()}
    assert usages == {
        "Resources.AppRole.Properties.AssumeRolePolicyDocument": ("trust", 19, False),
        "Resources.AppRole.Properties.Policies[0].PolicyDocument": ("identity", 28, False),
        "Resources.AppPolicy.Properties.PolicyDocument": ("identity", 47, False),
        "Resources.Managed.Properties.PolicyDocument": ("identity", 57, True),
        "Resources.Deployer.Properties.Policies[0].PolicyDocument": ("identity", 68, False),
        "Resources.Admins.Properties.Policies[0].PolicyDocument": ("identity", 78, False),
        "Resources.BucketPolicy.Properties.PolicyDocument": ("resource", 87, False),
        "Resources.QueuePolicy.Properties.PolicyDocument": ("resource", 97, False),
        "Resources.TopicPolicy.Properties.PolicyDocument": ("resource", 110, False),
        "Resources.Key.Properties.KeyPolicy": ("resource", 122, False),
        "Resources.InvokePermission.Properties": ("resource", 132, False),
        "Resources.SecretPolicy.Properties.ResourcePolicy": ("resource", 144, False),
        "Resources.DenyLeave.Properties.Content": ("scp", 158, False),
        "Resources.ProtectData.Properties.Content": ("rcp", 170, False),
        "Resources.FromParameter.Properties.PolicyDocument": ("identity", 185, True),
    }
    assert found["Resources.AppRole.Properties.AssumeRolePolicyDocument"].kind is (
        PolicyKind.RESOURCE
    )
    assert found["Resources.DenyLeave.Properties.Content"].kind is PolicyKind.SCP


def test_diagnostics_are_located_at_their_line() -> None:
    policy = _fixture_template()["Resources.AppRole.Properties.Policies[0].PolicyDocument"]
    (diagnostic,) = lint_policy(policy.document, kind=policy.kind)
    assert diagnostic.code == "unknown_action"
    assert policy.line_of(diagnostic.location) == 33  # the `- s3:GetObjcet` line
    assert policy.line_of("Statement[9].Nothing") == 30  # nearest enclosing: `Statement`
    assert policy.line_of("Nothing") == 28  # else the document's own line


def test_intrinsic_functions_are_placeholders() -> None:
    found = _fixture_template()
    reads = found["Resources.AppRole.Properties.Policies[0].PolicyDocument"].document
    assert reads["Statement"][0]["Resource"] == "arn:aws:s3:::{{Bucket}}/*"
    # the first variant: !If's condition true; a bare !GetAtt becomes an ARN of its service
    assert reads["Statement"][1]["Resource"] == "arn:aws:sqs:::{{Queue.Arn}}"
    managed = found["Resources.Managed.Properties.PolicyDocument"].document
    assert managed["Statement"][0]["Resource"] == (
        "arn:aws:logs:{{AWS.Region}}:{{AWS.AccountId}}:*"
    )
    permission = found["Resources.InvokePermission.Properties"].document["Statement"][0]
    assert permission["Principal"] == {"Service": "s3.amazonaws.com"}
    assert permission["Resource"] == "arn:aws:lambda:::{{Function.Arn}}"
    assert permission["Condition"]["ArnLike"] == {"AWS:SourceArn": "{{Bucket.Arn}}"}
    assert found["Resources.FromParameter.Properties.PolicyDocument"].problem


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "AWS::Partition"}, "aws"),
        ({"Ref": "Thing"}, "{{Thing}}"),
        ({"Fn::GetAtt": ["Role", "Arn"]}, "{{Role.Arn}}"),
        ({"Fn::Sub": "arn:${AWS::Partition}:s3:::${B}/${!aws:username}"}, None),
        ({"Fn::Sub": ["${A}-${B}", {"A": {"Ref": "X"}}]}, "{{X}}-{{B}}"),
        ({"Fn::Join": ["/", ["a", {"Ref": "B"}, {"Ref": "AWS::NoValue"}]]}, "a/{{B}}"),
        ({"Fn::If": ["C", {"Ref": "AWS::NoValue"}, "b"]}, "{{Fn.If}}"),  # no branch assumed
        ({"Fn::ImportValue": "shared"}, "{{Fn.ImportValue}}"),
        ({"Fn::Sub": 5}, "{{Fn.Sub}}"),
        ({"Fn::Join": "broken"}, "{{Fn.Join}}"),
        ([{"Ref": "AWS::NoValue"}, {"a": {"Ref": "AWS::NoValue"}}], [{}]),
    ],
)
def test_render(value: Any, expected: Any) -> None:
    if expected is None:
        expected = "arn:aws:s3:::{{B}}/${aws:username}"  # `${!x}` is IAM's `${x}`
    assert render(value) == expected


def test_short_form_tags_are_their_long_forms() -> None:
    located = located_yaml(
        compose_yaml("a: !Ref X\nb: !GetAtt R.Arn\nc: !Condition C\nd: !Sub [x, {}]\n"),
        application_tag=intrinsic_tag,
    )
    assert located.value == {
        "a": {"Ref": "X"},
        "b": {"Fn::GetAtt": "R.Arn"},
        "c": {"Condition": "C"},
        "d": {"Fn::Sub": ["x", {}]},
    }
    assert located.lines["d[0]"] == 4


def test_repeated_keys_of_a_template_policy_reach_lint() -> None:
    text = (
        "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n"
        "      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n"
        "          - Effect: Allow\n            Effect: Deny\n"
        "            Action: s3:GetObject\n            Resource: '*'\n"
    )
    (found,) = _template(text)
    assert found.duplicates == (("Statement[0]", "Effect"),)
    codes = [d.code for d in lint_policy(found.document, duplicate_keys=found.duplicates)]
    assert codes == ["duplicate_key"]


@pytest.mark.parametrize(
    ("text", "problem", "location"),
    [
        (
            "Resources: [1]\nAWSTemplateFormatVersion: x\n",
            "`Resources` must be a mapping",
            "line 1",
        ),
        ("AWSTemplateFormatVersion: x\nResources:\n  A: 3\n", "resource `A` must be a", "line 3"),
        ("AWSTemplateFormatVersion: x\nResources:\n  A: {}\n", "must have a `Type`", "line 3"),
        (
            "AWSTemplateFormatVersion: x\nResources:\n  A:\n    Type: AWS::IAM::Role\n"
            "    Properties: [1]\n",
            "`Properties` of `A` must be a mapping",
            "line 5",
        ),
        (
            "AWSTemplateFormatVersion: x\nResources:\n  A:\n    Type: AWS::IAM::Role\n"
            "    Properties:\n      Policies: {a: 1}\n",
            "`Policies` of `A` must be a list",
            "line 6",
        ),
        (
            "AWSTemplateFormatVersion: x\nResources:\n  A:\n    Type: AWS::IAM::User\n"
            "    Properties:\n      Policies:\n        - 7\n",
            "`Policies[0]` of `A` must be a mapping",
            "line 7",
        ),
    ],
)
def test_a_template_of_the_wrong_shape_is_one_located_error(
    text: str, problem: str, location: str
) -> None:
    with pytest.raises(InputError) as caught:
        _template(text)
    assert problem in caught.value.problem
    assert caught.value.location == location


def test_a_complex_key_is_refused_with_its_line() -> None:
    with pytest.raises(InputError, match="key must be a plain value") as caught:
        located_yaml(compose_yaml("a: 1\n? [x]\n: 2\n"))
    assert caught.value.location == "line 2"


def _fixture_plan() -> dict[str, FoundPolicy]:
    plan = json.loads((DATA / "plan.json").read_text())
    assert is_terraform_plan(plan)
    return {f.name + " " + f.pointer.rsplit(".", 1)[-1]: f for f in terraform_policies(plan)}


def test_every_terraform_resource_type_is_read_with_its_usage() -> None:
    found = {k: (f.usage, f.managed) for k, f in _fixture_plan().items()}
    assert found == {
        "aws_iam_policy.app policy": ("identity", True),
        "aws_iam_role.app assume_role_policy": ("trust", False),
        "aws_iam_role.app policy": ("identity", False),
        "aws_iam_role_policy.logs policy": ("identity", False),
        "aws_iam_user_policy.deploy policy": ("identity", False),
        "aws_iam_group_policy.ops policy": ("identity", False),
        "aws_s3_bucket_policy.data policy": ("resource", False),
        "aws_kms_key.main policy": ("resource", False),
        "aws_sqs_queue_policy.jobs policy": ("resource", False),
        "aws_sns_topic_policy.events policy": ("resource", False),
        "aws_organizations_policy.deny_leave content": ("scp", False),
        "aws_organizations_policy.protect content": ("rcp", False),
        "aws_iam_role_policy.later policy": ("identity", False),
        "module.net.aws_iam_policy.flow_logs policy": ("identity", True),
        # referenced by a role's assume_role_policy in `configuration`: a trust policy
        "data.aws_iam_policy_document.trust json": ("trust", False),
        "data.aws_iam_policy_document.reads json": ("identity", False),
    }


def test_terraform_locations_are_json_paths() -> None:
    found = _fixture_plan()
    assert found["aws_iam_role.app policy"].pointer == (
        "planned_values.root_module.resources[1].values.inline_policy[0].policy"
    )
    assert found["module.net.aws_iam_policy.flow_logs policy"].pointer == (
        "planned_values.root_module.child_modules[0].resources[0].values.policy"
    )
    later = found["aws_iam_role_policy.later policy"]
    assert later.document is None and "known only after apply" in later.problem


@pytest.mark.parametrize(
    ("plan", "location"),
    [
        ({"format_version": "1.2", "planned_values": []}, "planned_values"),
        (
            {"format_version": "1.2", "planned_values": {"root_module": {"resources": {}}}},
            "planned_values.root_module.resources",
        ),
        (
            {"format_version": "1.2", "planned_values": {"root_module": {"resources": [3]}}},
            "planned_values.root_module.resources[0]",
        ),
        ({"format_version": "1.2", "resource_changes": {}}, "resource_changes"),
    ],
)
def test_a_plan_of_the_wrong_shape_is_one_located_error(plan: Any, location: str) -> None:
    with pytest.raises(InputError) as caught:
        list(terraform_policies(plan))
    assert caught.value.location == location


def test_located_line_walks_up_to_the_nearest_known_value() -> None:
    located = Located(value=None, lines={"a": 1, "a.b[0]": 2})
    assert located.line("a.b[0].c") == 2
    assert located.line("a.x") == 1
    assert located.line("z") is None
    assert located.line("") is None


def _moto() -> dict[str, Any]:
    if not MOTO.exists():
        pytest.skip("shared corpus iam-policy-validation is absent")
    data: dict[str, Any] = json.loads(MOTO.read_text())
    return data


def _has_error(document: Any) -> bool:
    return any(d.severity is DiagnosticSeverity.ERROR for d in lint_policy(document, managed=True))


def test_corpus_documents_read_from_a_template_and_a_plan_lint_as_they_do_alone() -> None:
    data = _moto()
    documents = [c["document"] for c in data["invalid_policy_document_test_cases"]]
    documents += data["valid_policy_documents"]
    expected = [_has_error(d) for d in documents]
    assert sum(expected) >= 70  # the corpus's invalid documents, as lint sees them alone
    resources = {
        f"P{i}": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": d}}
        for i, d in enumerate(documents)
    }
    text = yaml.safe_dump({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})
    from_template = {f.name: f for f in _template(text)}
    assert [_has_error(from_template[f"P{i}"].document) for i in range(len(documents))] == expected
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": f"aws_iam_policy.p{i}",
                        "mode": "managed",
                        "type": "aws_iam_policy",
                        "values": {"policy": d if isinstance(d, str) else json.dumps(d)},
                    }
                    for i, d in enumerate(documents)
                ]
            }
        },
    }
    from_plan = list(terraform_policies(plan))
    assert [_has_error(f.document) for f in from_plan] == expected


def test_every_fn_if_branch_is_a_variant_of_its_policy() -> None:
    variants = {
        tuple(f.conditions.items()): f
        for f in _template((DATA / "template.yaml").read_text())
        if f.pointer == "Resources.AppRole.Properties.Policies[0].PolicyDocument"
    }
    assert list(variants) == [(("IsProd", True),), (("IsProd", False),)]
    assert len(variants[("IsProd", True),].document["Statement"]) == 2
    assert len(variants[("IsProd", False),].document["Statement"]) == 1  # AWS::NoValue


def test_fn_if_variants_keep_only_the_conditions_that_change_a_policy() -> None:
    template = {
        "Resources": {
            "R": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "sts:AssumeRole",
                                "Principal": {"Service": {"Fn::If": ["A", "x", "y"]}},
                            }
                        ]
                    },
                    "Policies": [
                        {
                            "PolicyName": "p",
                            "PolicyDocument": {
                                "Statement": [
                                    {
                                        "Effect": {"Fn::If": ["B", "Allow", "Deny"]},
                                        "Action": {
                                            "Fn::If": ["B", "s3:GetObject", "iam:CreateAccessKey"]
                                        },
                                        "Resource": "*",
                                    }
                                ]
                            },
                        }
                    ],
                },
            }
        }
    }
    found = list(cloudformation_policies(Located(value=template)))
    trust, policy = policy_variants(found)
    assert [dict(f.conditions) for f in trust] == [{"A": True}, {"A": False}]
    assert [dict(f.conditions) for f in policy] == [{"B": True}, {"B": False}]
    assert [f.document["Statement"][0]["Action"] for f in policy] == [
        "s3:GetObject",
        "iam:CreateAccessKey",
    ]


def test_a_resource_with_too_many_conditions_is_known_only_at_deploy() -> None:
    actions = [{"Fn::If": [f"C{i}", "s3:GetObject", "s3:PutObject"]} for i in range(7)]
    template = {
        "Resources": {
            "P": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "PolicyDocument": {
                        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]
                    }
                },
            }
        }
    }
    (found,) = cloudformation_policies(Located(value=template))
    assert "7 template conditions" in found.problem
