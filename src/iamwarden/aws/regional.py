"""Per-region collectors: resource-based policies, resources that run with a role, and Access
Analyzer. Each collector takes a `Caller` and a region and returns a `RegionalPart`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from iamwarden.aws.calls import Caller, Datasets
from iamwarden.snapshot.model import (
    AccessAnalyzer,
    AnalyzerFinding,
    ComputeKind,
    ComputeResource,
    DataSet,
    Document,
    PublicAccessBlock,
    ResourcePolicy,
)
from iamwarden.snapshot.responses import bucket_region, parse_public_access_block

__all__ = [
    "REGIONAL_COLLECTORS",
    "RegionalPart",
    "collect_account_public_access_block",
    "collect_buckets",
]

_POLICIES = DataSet.RESOURCE_POLICIES
_COMPUTE = DataSet.COMPUTE


@dataclass(frozen=True, slots=True, kw_only=True)
class RegionalPart:
    """What one collector found in one region"""

    resource_policies: tuple[ResourcePolicy, ...] = ()
    compute: tuple[ComputeResource, ...] = ()
    analyzers: tuple[AccessAnalyzer, ...] = ()


def _doc(text: Any) -> Document | None:
    """A policy document from JSON text (or an already decoded value); `None` when empty

    Text that is not JSON is kept as it is: the snapshot records it as a policy gap
    (`with_policy_gaps`), the collection goes on.
    """
    if not text:
        return None
    if isinstance(text, str):
        try:
            return Document.from_obj(json.loads(text))
        except ValueError:
            return Document.from_obj(text)
    return Document.from_obj(text)


def _policy(arn: str, service: str, region: str, text: Any) -> list[ResourcePolicy]:
    document = _doc(text)
    return (
        []
        if document is None
        else [ResourcePolicy(arn=arn, service=service, region=region, document=document)]
    )


def _items(pages: list[dict[str, Any]] | None, key: str) -> list[Any]:
    return [item for page in pages or () for item in page.get(key, ())]


def _pab(caller: Caller, raw: Any, region: str) -> PublicAccessBlock | None:
    """A Public Access Block configuration; `None` when none is set or it does not parse"""
    if not raw:
        return None
    return caller.parsed(
        parse_public_access_block,
        raw,
        dataset=_POLICIES,
        service="s3",
        region=region,
        call="GetPublicAccessBlock",
    )


def collect_account_public_access_block(caller: Caller) -> PublicAccessBlock | None:
    """The account-level S3 Public Access Block; `None` when none is set (or on a gap)"""
    reply = caller.call(
        "s3control",
        "",
        "get_public_access_block",
        _POLICIES,
        absent=("NoSuchPublicAccessBlockConfiguration",),
        AccountId=caller.account,
    )
    raw = (reply or {}).get("PublicAccessBlockConfiguration")
    return _pab(caller, raw, "")


def collect_buckets(caller: Caller, regions: Iterable[str]) -> tuple[ResourcePolicy, ...]:
    """Policies of the buckets in `regions`, each with its bucket's Public Access Block"""
    wanted = frozenset(regions)
    pages = caller.paginate("s3", "", "list_buckets", _POLICIES)
    found = []
    for bucket in _items(pages, "Buckets"):
        name = bucket["Name"]
        location = caller.call("s3", "", "get_bucket_location", _POLICIES, Bucket=name)
        if location is None:
            continue
        region = bucket_region(location.get("LocationConstraint") or "")
        if region not in wanted:
            continue
        policy = caller.call(
            "s3",
            region,
            "get_bucket_policy",
            _POLICIES,
            absent=("NoSuchBucketPolicy",),
            Bucket=name,
        )
        document = _doc((policy or {}).get("Policy"))
        if document is None:
            continue
        block = caller.call(
            "s3",
            region,
            "get_public_access_block",
            _POLICIES,
            absent=("NoSuchPublicAccessBlockConfiguration",),
            Bucket=name,
        )
        raw_block = (block or {}).get("PublicAccessBlockConfiguration")
        found.append(
            ResourcePolicy(
                arn=f"arn:{caller.partition}:s3:::{name}",
                service="s3",
                region=region,
                document=document,
                public_access_block=_pab(caller, raw_block, region),
            )
        )
    return tuple(found)


@dataclass(frozen=True, slots=True, kw_only=True)
class _PolicySource:
    """Resources listed by one paginated call, then asked for their policy one at a time"""

    client: str
    """boto3's service name"""
    namespace: str
    """the ARN's service, `ResourcePolicy.service`"""
    lister: str
    items: str
    """the key of the listed items in each page"""
    getter: str
    params: Callable[[Any], dict[str, Any] | None]
    """the getter's parameters for an item; `None` skips the item"""
    arn: Callable[[Any, Mapping[str, Any]], str | None]
    """the resource's ARN from the item and the getter's reply; `None` skips it"""
    policy: Callable[[Mapping[str, Any]], Any]
    absent: tuple[str, ...] = ()
    """the getter's error codes that mean: no policy"""


def _attribute(name: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda reply: reply.get("Attributes", {}).get(name)


def _field(name: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda reply: reply.get(name)


def _layer_version(layer: Mapping[str, Any]) -> dict[str, Any] | None:
    latest = layer.get("LatestMatchingVersion") or {}
    if "Version" not in latest:
        return None
    return {"LayerName": layer["LayerName"], "VersionNumber": latest["Version"]}


_NOT_FOUND = ("ResourceNotFoundException",)
_KMS = _PolicySource(
    client="kms",
    namespace="kms",
    lister="list_keys",
    items="Keys",
    getter="get_key_policy",
    params=lambda key: {"KeyId": key["KeyId"], "PolicyName": "default"},
    arn=lambda key, _: key["KeyArn"],
    policy=_field("Policy"),
)
_FUNCTIONS = _PolicySource(
    client="lambda",
    namespace="lambda",
    lister="list_functions",
    items="Functions",
    getter="get_policy",
    params=lambda fn: {"FunctionName": fn["FunctionName"]},
    arn=lambda fn, _: fn["FunctionArn"],
    policy=_field("Policy"),
    absent=_NOT_FOUND,
)
_LAYERS = _PolicySource(
    client="lambda",
    namespace="lambda",
    lister="list_layers",
    items="Layers",
    getter="get_layer_version_policy",
    params=_layer_version,
    arn=lambda layer, _: layer["LatestMatchingVersion"]["LayerVersionArn"],
    policy=_field("Policy"),
    absent=_NOT_FOUND,
)
_SQS = _PolicySource(
    client="sqs",
    namespace="sqs",
    lister="list_queues",
    items="QueueUrls",
    getter="get_queue_attributes",
    params=lambda url: {"QueueUrl": url, "AttributeNames": ["Policy", "QueueArn"]},
    arn=lambda _, reply: reply.get("Attributes", {}).get("QueueArn"),
    policy=_attribute("Policy"),
    absent=("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"),
)
_SNS = _PolicySource(
    client="sns",
    namespace="sns",
    lister="list_topics",
    items="Topics",
    getter="get_topic_attributes",
    params=lambda topic: {"TopicArn": topic["TopicArn"]},
    arn=lambda topic, _: topic["TopicArn"],
    policy=_attribute("Policy"),
    absent=("NotFound",),
)
_SECRETS = _PolicySource(
    client="secretsmanager",
    namespace="secretsmanager",
    lister="list_secrets",
    items="SecretList",
    getter="get_resource_policy",
    params=lambda secret: {"SecretId": secret["ARN"]},
    arn=lambda secret, _: secret["ARN"],
    policy=_field("ResourcePolicy"),
    absent=_NOT_FOUND,
)
_ECR = _PolicySource(
    client="ecr",
    namespace="ecr",
    lister="describe_repositories",
    items="repositories",
    getter="get_repository_policy",
    params=lambda repo: {"repositoryName": repo["repositoryName"]},
    arn=lambda repo, _: repo["repositoryArn"],
    policy=_field("policyText"),
    absent=("RepositoryPolicyNotFoundException",),
)
_EFS = _PolicySource(
    client="efs",
    namespace="elasticfilesystem",
    lister="describe_file_systems",
    items="FileSystems",
    getter="describe_file_system_policy",
    params=lambda fs: {"FileSystemId": fs["FileSystemId"]},
    arn=lambda fs, _: fs["FileSystemArn"],
    policy=_field("Policy"),
    absent=("PolicyNotFound",),
)


def _listed(
    caller: Caller, region: str, source: _PolicySource, datasets: Datasets = _POLICIES
) -> list[Any]:
    return _items(caller.paginate(source.client, region, source.lister, datasets), source.items)


def _policies_of(
    caller: Caller, region: str, source: _PolicySource, items: Iterable[Any]
) -> list[ResourcePolicy]:
    """The policy of each listed item that has one"""
    found = []
    for item in items:
        params = source.params(item)
        if params is None:
            continue
        reply = caller.call(
            source.client, region, source.getter, _POLICIES, absent=source.absent, **params
        )
        arn = None if reply is None else source.arn(item, reply)
        if reply is not None and arn is not None:
            found += _policy(arn, source.namespace, region, source.policy(reply))
    return found


def _policy_collector(source: _PolicySource) -> Callable[[Caller, str], RegionalPart]:
    def collect(caller: Caller, region: str) -> RegionalPart:
        items = _listed(caller, region, source)
        return RegionalPart(resource_policies=tuple(_policies_of(caller, region, source, items)))

    return collect


def _lambda(caller: Caller, region: str) -> RegionalPart:
    functions = _listed(caller, region, _FUNCTIONS, (_POLICIES, _COMPUTE))
    compute = tuple(
        ComputeResource(
            arn=fn["FunctionArn"],
            kind=ComputeKind.LAMBDA_FUNCTION,
            name=fn["FunctionName"],
            region=region,
            role_arn=fn.get("Role"),
        )
        for fn in functions
    )
    policies = _policies_of(caller, region, _FUNCTIONS, functions) + _policies_of(
        caller, region, _LAYERS, _listed(caller, region, _LAYERS)
    )
    return RegionalPart(resource_policies=tuple(policies), compute=compute)


def _opensearch(caller: Caller, region: str) -> RegionalPart:
    reply = caller.call("opensearch", region, "list_domain_names", _POLICIES)
    names = [d["DomainName"] for d in (reply or {}).get("DomainNames", ())]
    found = []
    for start in range(0, len(names), 5):
        described = caller.call(
            "opensearch",
            region,
            "describe_domains",
            _POLICIES,
            DomainNames=names[start : start + 5],
        )
        for domain in (described or {}).get("DomainStatusList", ()):
            found += _policy(domain["ARN"], "es", region, domain.get("AccessPolicies"))
    return RegionalPart(resource_policies=tuple(found))


def _analyzer(caller: Caller, region: str) -> RegionalPart:
    dataset = DataSet.ACCESS_ANALYZER
    analyzers = []
    for raw in _items(
        caller.paginate("accessanalyzer", region, "list_analyzers", dataset), "analyzers"
    ):
        findings: list[AnalyzerFinding] = []
        if raw.get("status") == "ACTIVE":
            pages = caller.paginate(
                "accessanalyzer",
                region,
                "list_findings",
                dataset,
                analyzerArn=raw["arn"],
                filter={"status": {"eq": ["ACTIVE"]}},
            )
            findings = [
                AnalyzerFinding(
                    id=f["id"],
                    resource=f.get("resource", ""),
                    resource_type=f.get("resourceType", ""),
                    is_public=bool(f.get("isPublic", False)),
                    principal=dict(sorted((f.get("principal") or {}).items())),
                    actions=tuple(sorted(f.get("action", ()))),
                    resource_owner_account=f.get("resourceOwnerAccount", ""),
                )
                for f in _items(pages, "findings")
            ]
        analyzers.append(
            AccessAnalyzer(
                arn=raw["arn"],
                name=raw["name"],
                region=region,
                type=raw.get("type", "ACCOUNT"),
                status=raw.get("status", "ACTIVE"),
                findings=tuple(sorted(findings, key=lambda f: f.id)),
            )
        )
    return RegionalPart(analyzers=tuple(analyzers))


def _ec2(caller: Caller, region: str) -> RegionalPart:
    found = []
    reservations = _items(
        caller.paginate("ec2", region, "describe_instances", _COMPUTE), "Reservations"
    )
    for reservation in reservations:
        owner = reservation.get("OwnerId", caller.account)
        for instance in reservation.get("Instances", ()):
            profile = (instance.get("IamInstanceProfile") or {}).get("Arn")
            if not profile or instance.get("State", {}).get("Name") == "terminated":
                continue
            instance_id = instance["InstanceId"]
            found.append(
                ComputeResource(
                    arn=f"arn:{caller.partition}:ec2:{region}:{owner}:instance/{instance_id}",
                    kind=ComputeKind.EC2_INSTANCE,
                    name=instance_id,
                    region=region,
                    instance_profile_arn=profile,
                )
            )
    return RegionalPart(compute=tuple(found))


def _codebuild(caller: Caller, region: str) -> RegionalPart:
    names = _items(caller.paginate("codebuild", region, "list_projects", _COMPUTE), "projects")
    found = []
    for start in range(0, len(names), 100):
        reply = caller.call(
            "codebuild", region, "batch_get_projects", _COMPUTE, names=names[start : start + 100]
        )
        found += [
            ComputeResource(
                arn=p["arn"],
                kind=ComputeKind.CODEBUILD_PROJECT,
                name=p["name"],
                region=region,
                role_arn=p.get("serviceRole"),
            )
            for p in (reply or {}).get("projects", ())
        ]
    return RegionalPart(compute=tuple(found))


def _cloudformation(caller: Caller, region: str) -> RegionalPart:
    stacks = _items(
        caller.paginate("cloudformation", region, "describe_stacks", _COMPUTE), "Stacks"
    )
    return RegionalPart(
        compute=tuple(
            ComputeResource(
                arn=s["StackId"],
                kind=ComputeKind.CLOUDFORMATION_STACK,
                name=s["StackName"],
                region=region,
                role_arn=s["RoleARN"],
            )
            for s in stacks
            if s.get("RoleARN")
        )
    )


def _ecs(caller: Caller, region: str) -> RegionalPart:
    families = _items(
        caller.paginate("ecs", region, "list_task_definition_families", _COMPUTE, status="ACTIVE"),
        "families",
    )
    found = []
    for family in families:
        reply = caller.call(
            "ecs", region, "describe_task_definition", _COMPUTE, taskDefinition=family
        )
        task = (reply or {}).get("taskDefinition")
        if task and (task.get("taskRoleArn") or task.get("executionRoleArn")):
            found.append(
                ComputeResource(
                    arn=task["taskDefinitionArn"],
                    kind=ComputeKind.ECS_TASK_DEFINITION,
                    name=family,
                    region=region,
                    role_arn=task.get("taskRoleArn"),
                    execution_role_arn=task.get("executionRoleArn"),
                )
            )
    return RegionalPart(compute=tuple(found))


def _sagemaker(caller: Caller, region: str) -> RegionalPart:
    pages = caller.paginate("sagemaker", region, "list_notebook_instances", _COMPUTE)
    found = []
    for notebook in _items(pages, "NotebookInstances"):
        reply = caller.call(
            "sagemaker",
            region,
            "describe_notebook_instance",
            _COMPUTE,
            NotebookInstanceName=notebook["NotebookInstanceName"],
        )
        if reply and reply.get("RoleArn"):
            found.append(
                ComputeResource(
                    arn=reply["NotebookInstanceArn"],
                    kind=ComputeKind.SAGEMAKER_NOTEBOOK,
                    name=reply["NotebookInstanceName"],
                    region=region,
                    role_arn=reply["RoleArn"],
                )
            )
    return RegionalPart(compute=tuple(found))


def _glue(caller: Caller, region: str) -> RegionalPart:
    partition, account = caller.partition, caller.account
    prefix = f"arn:{partition}:glue:{region}:{account}"
    found = [
        ComputeResource(
            arn=f"{prefix}:devEndpoint/{e['EndpointName']}",
            kind=ComputeKind.GLUE_DEV_ENDPOINT,
            name=e["EndpointName"],
            region=region,
            role_arn=e.get("RoleArn"),
        )
        for e in _items(
            caller.paginate("glue", region, "get_dev_endpoints", _COMPUTE), "DevEndpoints"
        )
    ]
    for job in _items(caller.paginate("glue", region, "get_jobs", _COMPUTE), "Jobs"):
        role = job.get("Role", "")
        if role and not role.startswith("arn:"):
            role = f"arn:{partition}:iam::{account}:role/{role}"
        found.append(
            ComputeResource(
                arn=f"{prefix}:job/{job['Name']}",
                kind=ComputeKind.GLUE_JOB,
                name=job["Name"],
                region=region,
                role_arn=role or None,
            )
        )
    return RegionalPart(compute=tuple(found))


REGIONAL_COLLECTORS: Mapping[
    str, tuple[frozenset[DataSet], Callable[[Caller, str], RegionalPart]]
] = {
    **{
        source.client: (frozenset({_POLICIES}), _policy_collector(source))
        for source in (_KMS, _SQS, _SNS, _SECRETS, _ECR, _EFS)
    },
    "lambda": (frozenset({_POLICIES, _COMPUTE}), _lambda),
    "opensearch": (frozenset({_POLICIES}), _opensearch),
    "accessanalyzer": (frozenset({DataSet.ACCESS_ANALYZER}), _analyzer),
    "ec2": (frozenset({_COMPUTE}), _ec2),
    "codebuild": (frozenset({_COMPUTE}), _codebuild),
    "cloudformation": (frozenset({_COMPUTE}), _cloudformation),
    "ecs": (frozenset({_COMPUTE}), _ecs),
    "sagemaker": (frozenset({_COMPUTE}), _sagemaker),
    "glue": (frozenset({_COMPUTE}), _glue),
}
"""Service → (the data sets it feeds, its collector); each runs once per region"""
