"""Detection rules over CloudTrail events: EventBridge patterns compiled once (`pattern`),
rules as YAML data with example events (`model`), conditions and alerts (`alerts`), the
built-in pack (`data/*.yaml`) and its export to CloudFormation, Terraform and EventBridge
(`export`), and the reading of CloudTrail records from files (`records`)

Importing it loads no rule file; `load_builtin_pack()` reads and compiles the pack once.
"""

from iamwarden.activity.rules.alerts import Alert, SnapshotContext, alerts_for, decide_condition
from iamwarden.activity.rules.conditions import ConditionKind, event_condition
from iamwarden.activity.rules.export import (
    GLOBAL_SOURCES,
    ExportFormat,
    Scope,
    export_pack,
    is_global,
    metric_name,
    rule_name,
)
from iamwarden.activity.rules.model import (
    ExampleFailure,
    Rule,
    RuleError,
    RulePack,
    envelope,
    load_builtin_pack,
    load_pack,
    load_rules,
    parse_rules,
)
from iamwarden.activity.rules.pattern import (
    CompiledPattern,
    PatternError,
    compile_pattern,
    exact_values,
)
from iamwarden.activity.rules.records import FileRecord, read_records

__all__ = [
    "GLOBAL_SOURCES",
    "Alert",
    "CompiledPattern",
    "ConditionKind",
    "ExampleFailure",
    "ExportFormat",
    "FileRecord",
    "PatternError",
    "Rule",
    "RuleError",
    "RulePack",
    "Scope",
    "SnapshotContext",
    "alerts_for",
    "compile_pattern",
    "decide_condition",
    "envelope",
    "event_condition",
    "exact_values",
    "export_pack",
    "is_global",
    "load_builtin_pack",
    "load_pack",
    "load_rules",
    "metric_name",
    "parse_rules",
    "read_records",
    "rule_name",
]
