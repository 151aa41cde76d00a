"""Policies found where they are deployed from: CloudFormation templates and Terraform plans,
each typed by where it sits and located by line (YAML) or JSON path.

The readers get decoded data (for YAML, the located value of `fileio.compose_yaml`'s node
tree) and never read files themselves; `iamwarden lint` reads through the guarded reader.
`select` names one policy of a file (`iamwarden check --policy`).
"""

from iamwarden.policy.sources.cloudformation import (
    MAX_CONDITIONS,
    cloudformation_policies,
    condition_names,
    intrinsic_tag,
    is_cloudformation,
    render,
)
from iamwarden.policy.sources.model import (
    USAGES,
    FoundPolicy,
    Located,
    child_path,
    kind_of_usage,
    located_yaml,
    policy_variants,
)
from iamwarden.policy.sources.select import policy_selector, select_policies
from iamwarden.policy.sources.terraform import is_terraform_plan, terraform_policies

__all__ = [
    "MAX_CONDITIONS",
    "USAGES",
    "FoundPolicy",
    "Located",
    "child_path",
    "cloudformation_policies",
    "condition_names",
    "intrinsic_tag",
    "is_cloudformation",
    "is_terraform_plan",
    "kind_of_usage",
    "located_yaml",
    "policy_selector",
    "policy_variants",
    "render",
    "select_policies",
    "terraform_policies",
]
