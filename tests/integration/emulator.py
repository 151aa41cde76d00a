"""Helpers around moto's server for collection tests and the collect benchmark.

- `start_server` runs moto in its own process on 127.0.0.1 with a free port; `reset` empties it.
- `EmulatorHooks` installs botocore event hooks on a boto3 session:
  * recorded responses for calls moto 5.2.1 does not implement (IAM service-last-accessed
    jobs, IAM Access Analyzer), answered from `before-call` like botocore's Stubber does;
  * a rewrite of S3 Control's `{account}.host` prefix, which does not resolve on 127.0.0.1;
  * optional faults (throttling, access denied per service, a failing region) and latency;
  * optionally, a short region list in place of `ec2:DescribeRegions`' thirty-odd regions;
  * a recorder of every API call (`provide-client-params`), stubbed ones included.
- `seed_account` and `seed_organization` build a realistic small account and organization.
"""

from __future__ import annotations

import functools
import io
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from urllib.request import Request, urlopen

import boto3
import botocore.loaders
import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError

_REAL_SESSION = boto3.Session  # tests may patch boto3.Session to install hooks everywhere
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/iamwarden-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/iamwarden-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}
MANAGEMENT_ACCOUNT = "123456789012"
SEED_TIME = datetime(2026, 10, 1, tzinfo=UTC)
_EPOCH = datetime(2026, 9, 1, tzinfo=UTC)


_SERVE = """
import os
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # serve until the parent closes the pipe (or dies)
os._exit(0)
"""


def start_server() -> tuple[subprocess.Popen[str], str]:
    """A moto server in its own process on 127.0.0.1 (a free port) and its URL

    Its own process, so that it does not share the interpreter lock with the collection it
    answers (two cores). It stops when `stop_server` closes its stdin, or when this process ends.
    """
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert server.stdout is not None
    port = server.stdout.readline().strip()
    if not port.isdigit():
        server.kill()
        raise RuntimeError("the moto server did not start")
    return server, f"http://127.0.0.1:{port}"


def stop_server(server: subprocess.Popen[str]) -> None:
    """Stop a server made by `start_server`"""
    assert server.stdin is not None
    server.stdin.close()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def reset(url: str) -> None:
    """Empty every backend of the server"""
    with urlopen(Request(f"{url}/moto-api/reset", method="POST", data=b"")) as reply:
        assert reply.status == 200


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


@functools.cache
def _protocols() -> dict[str, str]:
    session = botocore.session.get_session()
    models = (session.get_service_model(name) for name in session.get_available_services())
    return {model.service_id.hyphenize(): model.protocol for model in models}


def _protocol(service_id: str) -> str:
    return _protocols()[service_id]


def error_response(url: str, service_id: str, code: str, status: int = 400) -> AWSResponse:
    """An HTTP error response in the wire format of the service's protocol"""
    protocol = _protocol(service_id)
    message = f"injected {code}"
    headers = {"x-amzn-RequestId": "injected"}
    if protocol == "query":
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error><RequestId>x</RequestId></ErrorResponse>"
        )
    elif protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
            f"</Error></Errors><RequestID>x</RequestID></Response>"
        )
    elif protocol == "rest-xml":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    else:
        headers["x-amzn-ErrorType"] = code
        headers["Content-Type"] = "application/x-amz-json-1.1"
        body = json.dumps({"__type": code, "message": message})
    return AWSResponse(url, status, headers, _Raw(body.encode()))


@dataclass
class EmulatorHooks:
    """botocore hooks for one boto3 session; see the module docstring"""

    throttle_every: int = 0
    denied_services: frozenset[str] = frozenset()
    denied_calls: frozenset[str] = frozenset()
    failing_region: str = ""
    latency: float = 0.0
    sla_polls: int = 1
    regions: tuple[str, ...] = ()
    calls: list[tuple[str, str]] = field(default_factory=list)
    throttled: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _first_attempts: int = 0
    _polled: dict[str, int] = field(default_factory=dict)

    def install(self, session: boto3.Session) -> boto3.Session:
        """Register the hooks on `session` (before any client is made) and return it"""
        _protocols()  # built once, before worker threads ask
        events = session.events
        events.register("provide-client-params", self._record)
        events.register_first(
            "before-call.iam.GenerateServiceLastAccessedDetails", self._sla_generate
        )
        events.register_first("before-call.iam.GetServiceLastAccessedDetails", self._sla_get)
        events.register_first("before-call.accessanalyzer.ListAnalyzers", self._analyzers)
        events.register_first("before-call.accessanalyzer.ListFindings", self._findings)
        if self.regions:
            events.register_first("before-call.ec2.DescribeRegions", self._regions)
        events.register("before-send", self._send)
        return session

    def _record(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls.append((model.service_model.service_id, model.name))

    def _stubbed(self, parsed: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
        if self.latency:
            time.sleep(self.latency)
        parsed.setdefault("ResponseMetadata", {"HTTPStatusCode": 200, "RetryAttempts": 0})
        return AWSResponse("stub", 200, {}, _Raw(b"")), parsed

    def _sla_generate(self, params: dict[str, Any], **_: Any) -> Any:
        return self._stubbed({"JobId": f"job:{_body(params)['Arn']}"})

    def _sla_get(self, params: dict[str, Any], **_: Any) -> Any:
        job = _body(params)["JobId"]
        with self._lock:
            polls = self._polled[job] = self._polled.get(job, 0) + 1
        if polls <= self.sla_polls:
            return self._stubbed(
                {
                    "JobStatus": "IN_PROGRESS",
                    "JobCreationDate": _EPOCH,
                    "ServicesLastAccessed": [],
                    "IsTruncated": False,
                }
            )
        arn = job.removeprefix("job:")
        services = [
            {
                "ServiceName": "Amazon S3",
                "ServiceNamespace": "s3",
                "LastAuthenticated": SEED_TIME,
                "LastAuthenticatedEntity": arn,
                "TotalAuthenticatedEntities": 1,
            },
            {
                "ServiceName": "AWS Identity and Access Management",
                "ServiceNamespace": "iam",
                "TotalAuthenticatedEntities": 0,
            },
        ]
        return self._stubbed(
            {
                "JobStatus": "COMPLETED",
                "JobCreationDate": _EPOCH,
                "JobCompletionDate": _EPOCH,
                "ServicesLastAccessed": services,
                "IsTruncated": False,
            }
        )

    def _regions(self, **_: Any) -> Any:
        enabled = [{"RegionName": r, "OptInStatus": "opt-in-not-required"} for r in self.regions]
        return self._stubbed(
            {"Regions": [*enabled, {"RegionName": "me-south-1", "OptInStatus": "not-opted-in"}]}
        )

    def _analyzers(self, request_signer: Any, **_: Any) -> Any:
        region = request_signer.region_name
        if region == self.failing_region:
            raise EndpointConnectionError(endpoint_url=f"https://access-analyzer.{region}")
        arn = f"arn:aws:access-analyzer:{region}:{MANAGEMENT_ACCOUNT}:analyzer/default"
        return self._stubbed(
            {
                "analyzers": [
                    {
                        "arn": arn,
                        "name": "default",
                        "type": "ACCOUNT",
                        "status": "ACTIVE",
                        "createdAt": _EPOCH,
                    }
                ]
            }
        )

    def _findings(self, params: dict[str, Any], **_: Any) -> Any:
        finding = {
            "id": "finding-1",
            "resource": "arn:aws:s3:::public-bucket-iamwarden",
            "resourceType": "AWS::S3::Bucket",
            "isPublic": True,
            "principal": {"AWS": "*"},
            "action": ["s3:GetObject"],
            "resourceOwnerAccount": MANAGEMENT_ACCOUNT,
            "status": "ACTIVE",
            "condition": {},
            "createdAt": _EPOCH,
            "analyzedAt": _EPOCH,
            "updatedAt": _EPOCH,
        }
        assert _body(params)["filter"] == {"status": {"eq": ["ACTIVE"]}}
        return self._stubbed({"findings": [finding]})

    def _send(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        service_id = event_name.split(".")[1]
        parts = urlsplit(request.url)
        first = (parts.hostname or "").split(".")[0]
        if service_id == "s3-control" and len(first) == 12 and first.isdigit():
            host = parts.netloc.split(".", 1)[1]
            request.url = urlunsplit(parts._replace(netloc=host))
        if self.latency:
            time.sleep(self.latency)
        if service_id in self.denied_services or event_name.split(".")[2] in self.denied_calls:
            return error_response(request.url, service_id, "AccessDenied", 403)
        region = _region_of(request)
        if self.failing_region and region == self.failing_region:
            raise EndpointConnectionError(endpoint_url=request.url)
        attempt = request.headers.get("amz-sdk-request", b"attempt=1").decode()
        if self.throttle_every and attempt.split(";")[0].strip() == "attempt=1":
            with self._lock:
                self._first_attempts += 1
                throttle = self._first_attempts % self.throttle_every == 0
                self.throttled += throttle
            if throttle:
                return error_response(request.url, service_id, "Throttling")
        return None


def _body(request_dict: dict[str, Any]) -> dict[str, Any]:
    """The API parameters of a serialised request (query form or JSON body)"""
    body = request_dict["body"]
    if isinstance(body, bytes | str):
        return dict(json.loads(body or "{}"))
    return dict(body)


def _region_of(request: Any) -> str:
    auth = request.headers.get("Authorization", b"")
    text = auth.decode() if isinstance(auth, bytes) else str(auth)
    if "Credential=" not in text:
        return ""
    return text.split("Credential=", 1)[1].split("/")[2]


@functools.cache
def _loader() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


def boto3_session(**kwargs: Any) -> boto3.Session:
    """`boto3.Session(**kwargs)` whose botocore session shares one model loader

    Every test builds several sessions; each would otherwise decode botocore's service models
    again (about half a second per seeded region). What a client does is unchanged.
    """
    core = botocore.session.get_session()
    core.register_component("data_loader", _loader())
    made = _REAL_SESSION(botocore_session=core, **kwargs)
    paths = _loader().search_paths  # boto3 appends its data folder again for every session
    paths[:] = dict.fromkeys(paths)
    return made


def session(hooks: EmulatorHooks | None = None, **credentials: str) -> boto3.Session:
    """A boto3 session (default credential chain, or the given keys) with `hooks` installed"""
    made = boto3_session(region_name="us-east-1", **credentials)
    return (hooks or EmulatorHooks()).install(made)


TRUST_EC2 = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
TRUST_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
READ_S3 = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}
    ],
}
BOUNDARY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:*", "logs:*"], "Resource": "*"}],
}


def _public(service: str, action: str, resource: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Public",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": action,
                    "Resource": resource,
                }
            ],
        }
    )


def _zip() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


@dataclass(frozen=True)
class Seeded:
    """What `seed_account` created (names the tests assert on)"""

    account: str
    users: tuple[str, ...]
    roles: tuple[str, ...]
    regions: tuple[str, ...]


def seed_iam(made: boto3.Session, *, users: int = 3, roles: int = 3) -> tuple[list[str], list[str]]:
    """Users with keys and MFA, roles with trust and boundaries, groups, managed and inline
    policies; returns (user names, role names)"""
    iam = made.client("iam")
    account = made.client("sts").get_caller_identity()["Account"]
    admin = iam.create_policy(PolicyName="Admin", PolicyDocument=json.dumps(ADMIN))["Policy"]
    boundary = iam.create_policy(PolicyName="Boundary", PolicyDocument=json.dumps(BOUNDARY))[
        "Policy"
    ]
    reader = iam.create_policy(PolicyName="ReadS3", PolicyDocument=json.dumps(READ_S3))["Policy"]
    iam.create_policy_version(
        PolicyArn=reader["Arn"], PolicyDocument=json.dumps(ADMIN), SetAsDefault=False
    )
    iam.create_group(GroupName="admins")
    iam.attach_group_policy(GroupName="admins", PolicyArn=admin["Arn"])
    iam.put_group_policy(
        GroupName="admins", PolicyName="inline-read", PolicyDocument=json.dumps(READ_S3)
    )
    iam.update_account_password_policy(
        MinimumPasswordLength=14, RequireSymbols=True, PasswordReusePrevention=24
    )
    iam.create_account_alias(AccountAlias=f"seeded-{account}")
    user_names = [f"user{i:03d}" for i in range(users)]
    for i, name in enumerate(user_names):
        bounded = {"PermissionsBoundary": boundary["Arn"]} if i % 3 == 2 else {}
        iam.create_user(UserName=name, Tags=[{"Key": "team", "Value": "ops"}], **bounded)
        if i % 3 == 0:
            iam.create_access_key(UserName=name)
            iam.add_user_to_group(GroupName="admins", UserName=name)
        if i % 3 == 1:
            iam.create_login_profile(UserName=name, Password="Secret-Passw0rd!")
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{name}-mfa")[
                "VirtualMFADevice"
            ]["SerialNumber"]
            iam.enable_mfa_device(
                UserName=name,
                SerialNumber=serial,
                AuthenticationCode1="123456",
                AuthenticationCode2="654321",
            )
            iam.attach_user_policy(UserName=name, PolicyArn=reader["Arn"])
        if i % 3 == 2:
            iam.enable_mfa_device(
                UserName=name,
                SerialNumber=f"GAHT{i:08d}",
                AuthenticationCode1="123456",
                AuthenticationCode2="654321",
            )
            iam.put_user_policy(
                UserName=name, PolicyName="inline-admin", PolicyDocument=json.dumps(ADMIN)
            )
    role_names = [f"role{i:03d}" for i in range(roles)]
    for i, name in enumerate(role_names):
        trust = TRUST_LAMBDA if i % 2 else TRUST_EC2
        extra = {"PermissionsBoundary": boundary["Arn"]} if i % 3 == 0 else {}
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), **extra)
        iam.attach_role_policy(RoleName=name, PolicyArn=reader["Arn"])
        if i % 4 == 1:
            iam.put_role_policy(
                RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(ADMIN)
            )
    iam.create_instance_profile(InstanceProfileName="app-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="app-profile", RoleName=role_names[0])
    iam.upload_server_certificate(
        ServerCertificateName="legacy", CertificateBody=_CERT, PrivateKey="-----BEGIN KEY-----"
    )
    iam.generate_credential_report()
    return user_names, role_names


_CERT = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQx\n-----END CERTIFICATE-----\n"


def seed_region(
    made: boto3.Session,
    region: str,
    *,
    role_arn: str,
    execution_role_arn: str = "",
    tag: str = "",
) -> None:
    """Resources with policies and compute that runs with `role_arn` in one region

    The ECS task definition uses `execution_role_arn` (default `role_arn`) as its execution role.
    """
    account = made.client("sts").get_caller_identity()["Account"]
    suffix = f"{region}{tag}"
    s3 = made.client("s3", region_name=region)
    bucket = f"bucket-{suffix}-{account}"
    location = (
        {}
        if region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    s3.create_bucket(Bucket=bucket, **location)
    s3.put_bucket_policy(
        Bucket=bucket, Policy=_public("s3", "s3:GetObject", f"arn:aws:s3:::{bucket}/*")
    )
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )
    s3.create_bucket(Bucket=f"nopolicy-{suffix}-{account}", **location)
    kms = made.client("kms", region_name=region)
    kms.create_key(Policy=_public("kms", "kms:Decrypt", "*"), Description="seeded")
    lam = made.client("lambda", region_name=region)
    lam.create_function(
        FunctionName=f"fn-{suffix}",
        Runtime="python3.12",
        Role=role_arn,
        Handler="index.handler",
        Code={"ZipFile": _zip()},
    )
    lam.add_permission(
        FunctionName=f"fn-{suffix}",
        StatementId="public",
        Action="lambda:InvokeFunction",
        Principal="*",
    )
    layer = lam.publish_layer_version(LayerName=f"layer-{suffix}", Content={"ZipFile": _zip()})
    lam.add_layer_version_permission(
        LayerName=f"layer-{suffix}",
        VersionNumber=layer["Version"],
        StatementId="all",
        Action="lambda:GetLayerVersion",
        Principal="*",
    )
    sqs = made.client("sqs", region_name=region)
    queue = sqs.create_queue(QueueName=f"queue-{suffix}")["QueueUrl"]
    sqs.set_queue_attributes(
        QueueUrl=queue, Attributes={"Policy": _public("sqs", "sqs:SendMessage", "*")}
    )
    sns = made.client("sns", region_name=region)
    topic = sns.create_topic(Name=f"topic-{suffix}")["TopicArn"]
    sns.set_topic_attributes(
        TopicArn=topic, AttributeName="Policy", AttributeValue=_public("sns", "sns:Publish", topic)
    )
    secrets = made.client("secretsmanager", region_name=region)
    secret = secrets.create_secret(Name=f"secret-{suffix}", SecretString="hidden")["ARN"]
    secrets.put_resource_policy(
        SecretId=secret,
        ResourcePolicy=_public("secretsmanager", "secretsmanager:GetSecretValue", "*"),
    )
    ecr = made.client("ecr", region_name=region)
    ecr.create_repository(repositoryName=f"repo-{suffix}")
    ecr.set_repository_policy(
        repositoryName=f"repo-{suffix}",
        policyText=_public("ecr", "ecr:BatchGetImage", "*").replace(',"Resource": "*"', ""),
    )
    efs = made.client("efs", region_name=region)
    fs = efs.create_file_system(CreationToken=f"fs-{suffix}")
    efs.put_file_system_policy(
        FileSystemId=fs["FileSystemId"],
        Policy=_public("efs", "elasticfilesystem:ClientMount", fs["FileSystemArn"]),
    )
    made.client("opensearch", region_name=region).create_domain(
        DomainName=f"search-{suffix}"[:28], AccessPolicies=_public("es", "es:ESHttpGet", "*")
    )
    ec2 = made.client("ec2", region_name=region)
    profile = made.client("iam").get_instance_profile(InstanceProfileName="app-profile")[
        "InstanceProfile"
    ]["Arn"]
    ec2.run_instances(
        ImageId="ami-12c6146b", MinCount=1, MaxCount=1, IamInstanceProfile={"Arn": profile}
    )
    made.client("codebuild", region_name=region).create_project(
        name=f"build-{suffix}",
        source={"type": "S3", "location": "bucket/src.zip"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
        serviceRole=role_arn,
    )
    made.client("cloudformation", region_name=region).create_stack(
        StackName=f"stack-{suffix}",
        RoleARN=role_arn,
        TemplateBody=json.dumps(
            {
                "Resources": {
                    "Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"cfn-{suffix}"}}
                }
            }
        ),
    )
    made.client("ecs", region_name=region).register_task_definition(
        family=f"task-{suffix}",
        taskRoleArn=role_arn,
        executionRoleArn=execution_role_arn or role_arn,
        containerDefinitions=[{"name": "app", "image": "busybox", "memory": 128}],
    )
    made.client("sagemaker", region_name=region).create_notebook_instance(
        NotebookInstanceName=f"nb-{suffix}", InstanceType="ml.t3.medium", RoleArn=role_arn
    )
    glue = made.client("glue", region_name=region)
    glue.create_dev_endpoint(EndpointName=f"dev-{suffix}", RoleArn=role_arn)
    glue.create_job(
        Name=f"job-{suffix}",
        Role=role_arn.rsplit("/", 1)[1],
        Command={"Name": "glueetl", "ScriptLocation": "s3://x/y.py"},
    )


def seed_account(
    made: boto3.Session,
    *,
    regions: tuple[str, ...] = ("us-east-1",),
    users: int = 3,
    roles: int = 3,
) -> Seeded:
    """A realistic small account: IAM everywhere, resources in each of `regions`"""
    user_names, role_names = seed_iam(made, users=users, roles=roles)
    account = made.client("sts").get_caller_identity()["Account"]
    role_arn = f"arn:aws:iam::{account}:role/{role_names[1 % len(role_names)]}"
    execution_role_arn = f"arn:aws:iam::{account}:role/{role_names[0]}"
    for region in regions:
        seed_region(made, region, role_arn=role_arn, execution_role_arn=execution_role_arn)
    made.client("s3control").put_public_access_block(
        AccountId=account,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    return Seeded(
        account=account, users=tuple(user_names), roles=tuple(role_names), regions=regions
    )


DENY_DELETE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "iam:DeleteRole", "Resource": "*"}],
}


def seed_organization(
    made: boto3.Session, *, members: int = 3, role_name: str = "OrganizationAccountAccessRole"
) -> list[str]:
    """An organization with OUs and SCPs and `members` member accounts; their ids"""
    org = made.client("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    prod = org.create_organizational_unit(ParentId=root, Name="prod")["OrganizationalUnit"]["Id"]
    team = org.create_organizational_unit(ParentId=prod, Name="team")["OrganizationalUnit"]["Id"]
    scp = org.create_policy(
        Content=json.dumps(DENY_DELETE),
        Description="no role deletion",
        Name="DenyRoleDeletion",
        Type="SERVICE_CONTROL_POLICY",
    )["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=scp, TargetId=prod)
    ids = []
    for i in range(members):
        status = org.create_account(Email=f"member{i}@example.com", AccountName=f"member{i}")[
            "CreateAccountStatus"
        ]
        account = status["AccountId"]
        ids.append(account)
        if i > 0:
            org.move_account(
                AccountId=account, SourceParentId=root, DestinationParentId=team if i == 2 else prod
            )
    for account in ids:
        credentials = made.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/{role_name}", RoleSessionName="seed"
        )["Credentials"]
        member = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name="us-east-1",
        )
        seed_iam(member, users=2, roles=2)
    return ids
