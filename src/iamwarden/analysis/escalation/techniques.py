"""Every technique the escalation graph decides, keyed by the privesc-paths corpus id

Ids are the corpus's (`pathfinding.cloud`, `../shared/corpora/privesc-paths`) where it
documents the technique, and `iw-…` for the few it does not. Data only: the technique
modules decide the edges.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from iamwarden.snapshot import ComputeKind

__all__ = [
    "COMPOSED",
    "NEW_COMPUTE",
    "TAKEOVERS",
    "TECHNIQUES",
    "UNDECIDABLE",
    "NewCompute",
    "Takeover",
    "Technique",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Technique:
    """One technique: its id, the actions it needs and what it gives"""

    id: str
    actions: tuple[str, ...]
    summary: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NewCompute:
    """`iam:PassRole` of a role trusting `service` plus actions that create compute running
    as it; `resources` is the ARN (pattern) each action is asked on, `{p}` the partition and
    `{a}` the account; `existing` names a kind of compute the technique changes instead of
    creating (its ARN is asked for the first action)"""

    id: str
    service: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    existing: ComputeKind | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Takeover:
    """Actions on an existing compute resource of `kind` that run the caller's code as its
    role; `resources` as in `NewCompute`, `{arn}` the resource's ARN, `{region}` its region"""

    id: str
    kind: ComputeKind
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    note: str = ""


_ANY = "*"
_FUNCTION = "arn:{p}:lambda:*:{a}:function:*"

NEW_COMPUTE: tuple[NewCompute, ...] = (
    NewCompute(
        id="ec2-001",
        service="ec2.amazonaws.com",
        actions=("ec2:RunInstances",),
        resources=("arn:{p}:ec2:*:{a}:instance/*",),
    ),
    NewCompute(
        id="ec2-003",
        service="ec2.amazonaws.com",
        actions=("ec2:RequestSpotInstances",),
        resources=("arn:{p}:ec2:*:{a}:spot-instances-request/*",),
    ),
    NewCompute(
        id="lambda-001",
        service="lambda.amazonaws.com",
        actions=("lambda:CreateFunction", "lambda:InvokeFunction"),
        resources=(_FUNCTION, _FUNCTION),
    ),
    NewCompute(
        id="lambda-002",
        service="lambda.amazonaws.com",
        actions=("lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
        resources=(_FUNCTION, _ANY),
    ),
    NewCompute(
        id="lambda-006",
        service="lambda.amazonaws.com",
        actions=("lambda:CreateFunction", "lambda:AddPermission"),
        resources=(_FUNCTION, _FUNCTION),
    ),
    NewCompute(
        id="glue-001",
        service="glue.amazonaws.com",
        actions=("glue:CreateDevEndpoint",),
        resources=("arn:{p}:glue:*:{a}:devEndpoint/*",),
    ),
    NewCompute(
        id="glue-003",
        service="glue.amazonaws.com",
        actions=("glue:CreateJob", "glue:StartJobRun"),
        resources=("arn:{p}:glue:*:{a}:job/*", "arn:{p}:glue:*:{a}:job/*"),
    ),
    NewCompute(
        id="glue-004",
        service="glue.amazonaws.com",
        actions=("glue:CreateJob", "glue:CreateTrigger"),
        resources=("arn:{p}:glue:*:{a}:job/*", "arn:{p}:glue:*:{a}:trigger/*"),
    ),
    NewCompute(
        id="glue-005",
        service="glue.amazonaws.com",
        actions=("glue:UpdateJob", "glue:StartJobRun"),
        resources=("{arn}", "{arn}"),
        existing=ComputeKind.GLUE_JOB,
    ),
    NewCompute(
        id="glue-006",
        service="glue.amazonaws.com",
        actions=("glue:UpdateJob", "glue:CreateTrigger"),
        resources=("{arn}", "arn:{p}:glue:*:{a}:trigger/*"),
        existing=ComputeKind.GLUE_JOB,
    ),
    NewCompute(
        id="cloudformation-001",
        service="cloudformation.amazonaws.com",
        actions=("cloudformation:CreateStack",),
        resources=("arn:{p}:cloudformation:*:{a}:stack/*",),
    ),
    NewCompute(
        id="cloudformation-003",
        service="cloudformation.amazonaws.com",
        actions=("cloudformation:CreateStackSet", "cloudformation:CreateStackInstances"),
        resources=(
            "arn:{p}:cloudformation:*:{a}:stackset/*",
            "arn:{p}:cloudformation:*:{a}:stackset/*",
        ),
    ),
    NewCompute(
        id="codebuild-001",
        service="codebuild.amazonaws.com",
        actions=("codebuild:CreateProject", "codebuild:StartBuild"),
        resources=("arn:{p}:codebuild:*:{a}:project/*", "arn:{p}:codebuild:*:{a}:project/*"),
    ),
    NewCompute(
        id="codebuild-004",
        service="codebuild.amazonaws.com",
        actions=("codebuild:CreateProject", "codebuild:StartBuildBatch"),
        resources=("arn:{p}:codebuild:*:{a}:project/*", "arn:{p}:codebuild:*:{a}:project/*"),
    ),
    NewCompute(
        id="sagemaker-001",
        service="sagemaker.amazonaws.com",
        actions=("sagemaker:CreateNotebookInstance",),
        resources=("arn:{p}:sagemaker:*:{a}:notebook-instance/*",),
    ),
    NewCompute(
        id="sagemaker-002",
        service="sagemaker.amazonaws.com",
        actions=("sagemaker:CreateTrainingJob",),
        resources=("arn:{p}:sagemaker:*:{a}:training-job/*",),
    ),
    NewCompute(
        id="sagemaker-003",
        service="sagemaker.amazonaws.com",
        actions=("sagemaker:CreateProcessingJob",),
        resources=("arn:{p}:sagemaker:*:{a}:processing-job/*",),
    ),
    NewCompute(
        id="ecs-004",
        service="ecs-tasks.amazonaws.com",
        actions=("ecs:RegisterTaskDefinition", "ecs:RunTask"),
        resources=(_ANY, "arn:{p}:ecs:*:{a}:task-definition/*"),
    ),
    NewCompute(
        id="ecs-003",
        service="ecs-tasks.amazonaws.com",
        actions=("ecs:RegisterTaskDefinition", "ecs:CreateService"),
        resources=(_ANY, "arn:{p}:ecs:*:{a}:service/*"),
    ),
    NewCompute(
        id="ecs-005",
        service="ecs-tasks.amazonaws.com",
        actions=("ecs:RegisterTaskDefinition", "ecs:StartTask"),
        resources=(_ANY, "arn:{p}:ecs:*:{a}:task-definition/*"),
    ),
    NewCompute(
        id="ecs-002",
        service="ecs-tasks.amazonaws.com",
        actions=("ecs:CreateCluster", "ecs:RegisterTaskDefinition", "ecs:RunTask"),
        resources=(_ANY, _ANY, "arn:{p}:ecs:*:{a}:task-definition/*"),
    ),
    NewCompute(
        id="ecs-001",
        service="ecs-tasks.amazonaws.com",
        actions=("ecs:CreateCluster", "ecs:RegisterTaskDefinition", "ecs:CreateService"),
        resources=(_ANY, _ANY, "arn:{p}:ecs:*:{a}:service/*"),
    ),
    NewCompute(
        id="datapipeline-001",
        service="datapipeline.amazonaws.com",
        actions=(
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
            "datapipeline:ActivatePipeline",
        ),
        resources=(_ANY, _ANY, _ANY),
    ),
    NewCompute(
        id="apprunner-001",
        service="tasks.apprunner.amazonaws.com",
        actions=("apprunner:CreateService",),
        resources=("arn:{p}:apprunner:*:{a}:service/*",),
    ),
    NewCompute(
        id="bedrock-001",
        service="bedrock-agentcore.amazonaws.com",
        actions=(
            "bedrock-agentcore:CreateCodeInterpreter",
            "bedrock-agentcore:StartCodeInterpreterSession",
            "bedrock-agentcore:InvokeCodeInterpreter",
        ),
        resources=(
            _ANY,
            "arn:{p}:bedrock-agentcore:*:{a}:code-interpreter-custom/*",
            "arn:{p}:bedrock-agentcore:*:{a}:code-interpreter-custom/*",
        ),
    ),
)
"""PassRole plus new compute, in the order tried (the first allowed names the edge)"""

TAKEOVERS: tuple[Takeover, ...] = (
    Takeover(
        id="lambda-004",
        kind=ComputeKind.LAMBDA_FUNCTION,
        actions=("lambda:UpdateFunctionCode", "lambda:InvokeFunction"),
        resources=("{arn}", "{arn}"),
    ),
    Takeover(
        id="lambda-005",
        kind=ComputeKind.LAMBDA_FUNCTION,
        actions=("lambda:UpdateFunctionCode", "lambda:AddPermission"),
        resources=("{arn}", "{arn}"),
    ),
    Takeover(
        id="lambda-003",
        kind=ComputeKind.LAMBDA_FUNCTION,
        actions=("lambda:UpdateFunctionCode",),
        resources=("{arn}",),
        note="the new code runs when the function's triggers next invoke it",
    ),
    Takeover(
        id="iw-lambda-update-configuration",
        kind=ComputeKind.LAMBDA_FUNCTION,
        actions=("lambda:UpdateFunctionConfiguration", "lambda:InvokeFunction"),
        resources=("{arn}", "{arn}"),
        note="a layer or environment variable the caller sets runs its code in the function",
    ),
    Takeover(
        id="ssm-002",
        kind=ComputeKind.EC2_INSTANCE,
        actions=("ssm:SendCommand", "ssm:SendCommand"),
        resources=("{arn}", "arn:{p}:ssm:{region}::document/AWS-RunShellScript"),
        note="the instance must run the SSM agent and reach SSM",
    ),
    Takeover(
        id="ssm-001",
        kind=ComputeKind.EC2_INSTANCE,
        actions=("ssm:StartSession",),
        resources=("{arn}",),
        note="the instance must run the SSM agent and reach SSM",
    ),
    Takeover(
        id="ec2instanceconnect-003",
        kind=ComputeKind.EC2_INSTANCE,
        actions=("ec2-instance-connect:SendSSHPublicKey",),
        resources=("{arn}",),
        note="the caller must reach the instance's SSH port (network data not collected)",
    ),
    Takeover(
        id="ec2-002",
        kind=ComputeKind.EC2_INSTANCE,
        actions=("ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"),
        resources=("{arn}", "{arn}", "{arn}"),
        note="new user data runs at the next start",
    ),
    Takeover(
        id="codebuild-002",
        kind=ComputeKind.CODEBUILD_PROJECT,
        actions=("codebuild:StartBuild",),
        resources=("{arn}",),
        note="a buildspec override runs the caller's commands",
    ),
    Takeover(
        id="codebuild-003",
        kind=ComputeKind.CODEBUILD_PROJECT,
        actions=("codebuild:StartBuildBatch",),
        resources=("{arn}",),
        note="a buildspec override runs the caller's commands",
    ),
    Takeover(
        id="cloudformation-002",
        kind=ComputeKind.CLOUDFORMATION_STACK,
        actions=("cloudformation:UpdateStack",),
        resources=("{arn}",),
    ),
    Takeover(
        id="cloudformation-005",
        kind=ComputeKind.CLOUDFORMATION_STACK,
        actions=("cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"),
        resources=("{arn}", "{arn}"),
    ),
    Takeover(
        id="glue-002",
        kind=ComputeKind.GLUE_DEV_ENDPOINT,
        actions=("glue:UpdateDevEndpoint",),
        resources=("{arn}",),
        note="the caller must reach the endpoint's SSH port",
    ),
    Takeover(
        id="sagemaker-004",
        kind=ComputeKind.SAGEMAKER_NOTEBOOK,
        actions=("sagemaker:CreatePresignedNotebookInstanceUrl",),
        resources=("{arn}",),
    ),
    Takeover(
        id="sagemaker-005",
        kind=ComputeKind.SAGEMAKER_NOTEBOOK,
        actions=(
            "sagemaker:CreateNotebookInstanceLifecycleConfig",
            "sagemaker:StopNotebookInstance",
            "sagemaker:UpdateNotebookInstance",
            "sagemaker:StartNotebookInstance",
        ),
        resources=(
            "arn:{p}:sagemaker:{region}:{a}:notebook-instance-lifecycle-config/*",
            "{arn}",
            "{arn}",
            "{arn}",
        ),
    ),
)
"""Take-over of existing compute, in the order tried for one resource"""

_TECHNIQUES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    # id, actions, summary
    ("sts-001", ("sts:AssumeRole",), "assumes the role"),
    (
        "iw-assume-role-with-web-identity",
        ("sts:AssumeRoleWithWebIdentity",),
        "presents a token of the identity provider and assumes the role",
    ),
    (
        "iw-assume-role-with-saml",
        ("sts:AssumeRoleWithSAML",),
        "presents a SAML assertion of the identity provider and assumes the role",
    ),
    ("iam-002", ("iam:CreateAccessKey",), "creates an access key for the user"),
    (
        "iam-003",
        ("iam:CreateAccessKey", "iam:DeleteAccessKey"),
        "deletes one of the user's two keys and creates a new one",
    ),
    (
        "iam-004",
        ("iam:CreateLoginProfile",),
        "sets a console password on the user (who has none and no MFA)",
    ),
    (
        "iam-006",
        ("iam:UpdateLoginProfile",),
        "replaces the user's console password (the user has no MFA)",
    ),
    (
        "iam-012",
        ("iam:UpdateAssumeRolePolicy", "sts:AssumeRole"),
        "rewrites the role's trust policy to trust itself, then assumes it",
    ),
    (
        "iam-001",
        ("iam:CreatePolicyVersion",),
        "writes a new default version of a policy the target holds",
    ),
    (
        "iw-set-default-policy-version",
        ("iam:SetDefaultPolicyVersion",),
        "makes an administrator version of a policy the target holds default",
    ),
    (
        "iw-create-role",
        ("iam:CreateRole", "iam:PutRolePolicy", "sts:AssumeRole"),
        "creates a role without a permissions boundary, gives it every permission (an inline "
        "policy or AdministratorAccess) and assumes it",
    ),
    ("iam-005", ("iam:PutRolePolicy",), "puts an inline policy"),
    ("iam-007", ("iam:PutUserPolicy",), "puts an inline policy"),
    ("iam-008", ("iam:AttachUserPolicy",), "attaches AdministratorAccess"),
    ("iam-009", ("iam:AttachRolePolicy",), "attaches AdministratorAccess"),
    ("iam-010", ("iam:AttachGroupPolicy",), "attaches AdministratorAccess to a group of the user"),
    ("iam-011", ("iam:PutGroupPolicy",), "puts an inline policy on a group of the user"),
    ("iam-013", ("iam:AddUserToGroup",), "adds the user to an administrators' group"),
    (
        "iw-delete-permissions-boundary",
        ("iam:DeleteUserPermissionsBoundary", "iam:DeleteRolePermissionsBoundary"),
        "deletes the permissions boundary that alone keeps the target from admin",
    ),
    (
        "iw-put-permissions-boundary",
        ("iam:PutUserPermissionsBoundary", "iam:PutRolePermissionsBoundary"),
        "replaces the boundary with AdministratorAccess",
    ),
    ("iw-runs-as", (), "the compute resource runs with the role's credentials"),
    ("iw-admin", ("*",), "the engine allows every action on every resource"),
)

TECHNIQUES: Mapping[str, Technique] = MappingProxyType(
    {
        t.id: t
        for t in (
            *(Technique(id=i, actions=a, summary=s) for i, a, s in _TECHNIQUES),
            *(
                Technique(
                    id=n.id,
                    actions=("iam:PassRole", *n.actions),
                    summary=f"passes the role to {n.service} and runs code as it",
                )
                for n in NEW_COMPUTE
            ),
            *(
                Technique(
                    id=t.id,
                    actions=t.actions,
                    summary=f"runs its code in the {t.kind.value.replace('_', ' ')}",
                )
                for t in TAKEOVERS
            ),
        )
    }
)
"""Every technique by id"""

UNDECIDABLE: Mapping[str, str] = MappingProxyType(
    {
        "apprunner-002": "App Runner services are not in the snapshot's compute data",
        "bedrock-002": "Bedrock AgentCore code interpreters are not in the snapshot",
        "cloudformation-004": "stack sets (and their execution roles in member accounts) are "
        "not in the snapshot",
        "ec2-004": "launch templates and the Auto Scaling groups using them are not in the "
        "snapshot",
    }
)
"""Corpus techniques account data cannot decide, and why"""

COMPOSED: Mapping[str, str] = MappingProxyType(
    {
        "iam-014": "decided as two hops: iam-009 on a role the caller reaches",
        "iam-015": "decided as two hops: iam-008 on a user the caller reaches (iam-002)",
        "iam-016": "decided as two hops: iam-001 on a policy of a role the caller reaches",
        "iam-017": "decided as two hops: iam-005 on a role the caller reaches",
        "iam-018": "decided as two hops: iam-007 on a user the caller reaches (iam-002)",
        "iam-019": "decided as two hops: iam-012 then iam-009",
        "iam-020": "decided as two hops: iam-012 then iam-001",
        "iam-021": "decided as two hops: iam-012 then iam-005",
    }
)
"""Corpus techniques found as two hops of the graph rather than one edge"""
