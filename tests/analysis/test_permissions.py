from iamwarden.analysis import Permissions, Sensitivity
from iamwarden.analysis.permissions import CREDENTIAL_ACTIONS, RESOURCE_POLICY_WRITES
from iamwarden.policy import PolicySet, load_catalog, parse_policy
from tests.builders import ALLOW_ALL, snapshot


def permissions():
    return Permissions(snapshot(), load_catalog())


def test_listed_sensitive_actions_exist_in_the_catalogue():
    catalog = load_catalog()
    for action in (*CREDENTIAL_ACTIONS, *RESOURCE_POLICY_WRITES):
        assert catalog.action_exists(action), action


def test_sensitive_actions_include_permissions_management_and_credentials():
    table = permissions().sensitive_actions
    assert table["iam:CreateAccessKey"] is Sensitivity.CREDENTIALS
    assert table["s3:PutBucketPolicy"] is Sensitivity.PERMISSIONS_MANAGEMENT
    assert "s3:GetObject" not in table


def test_admin_answers_agree_with_and_without_shortcuts():
    perms = permissions()
    admin = parse_policy(ALLOW_ALL, name="admin")
    scoped = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        },
        name="s3",
    )
    split = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}],
        },
        name="rest",
    )
    holder = perms.holder
    assert perms.admin_access(holder, PolicySet(identity=(admin, scoped))).is_admin
    assert not perms.admin_access(holder, PolicySet(identity=(scoped,))).is_admin
    assert perms.admin_access(holder, PolicySet(identity=(scoped,))).evaluation is None
    # two policies that only together name every action: the shortcut defers to the engine
    together = perms.admin_access(holder, PolicySet(identity=(scoped, split)))
    assert together.evaluation is not None


def test_lone_policy_answers_are_shared_but_named_per_policy():
    perms = permissions()
    first = perms.policy_admin(parse_policy(ALLOW_ALL, name="one"))
    second = perms.policy_admin(parse_policy(ALLOW_ALL, name="two"))
    assert first.evaluation.reasons[0].policy == "one"
    assert second.evaluation.reasons[0].policy == "two"
