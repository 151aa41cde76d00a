"""The one-source options every account-reading command takes: --demo, --input, --snapshot, or
a live account (--profile, --region/--regions, --role-arn, --external-id, or nothing at all:
boto3's default credential chain)"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from iamwarden.errors import InputError
from iamwarden.policy.arn import is_region_name
from iamwarden.snapshot import Snapshot, read_snapshot

if TYPE_CHECKING:  # live collection loads boto3: only when a command goes live
    from iamwarden.aws.session import AwsTarget, CollectOptions

__all__ = ["collect_live", "live_options", "live_request", "load_source", "source_options"]

F = TypeVar("F", bound=Callable[..., Any])
_LIVE = "iamwarden.live"


@cache
def _known_regions() -> frozenset[str]:
    """The regions of every partition in botocore's endpoint data"""
    from botocore.loaders import create_loader

    loader = create_loader()
    known = {
        region
        for name in ("partitions", "endpoints")
        for partition in loader.load_data(name)["partitions"]
        for region in partition.get("regions", {})
    }
    return frozenset(known)


def _check_regions(option: str, names: list[str]) -> None:
    """Refuse a name that is not shaped as a region; warn of one botocore does not know (AWS
    opens regions before botocore lists them)"""
    for name in names:
        if not is_region_name(name):
            raise InputError(
                f"`{name}` is not a region name (such as `us-east-1`)", location=option
            )
        if name not in _known_regions():
            click.echo(
                f"warning: {option}: region `{name}` is not in botocore's endpoint data "
                "(a region newer than botocore, or a typo)",
                err=True,
            )


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value not in (None, (), ""):
        assert param.name is not None
        if param.name == "region":
            _check_regions("--region", list(value))
        elif param.name == "regions":
            _check_regions("--regions", [r.strip() for r in value.split(",") if r.strip()])
        ctx.meta.setdefault(_LIVE, {})[param.name] = value
    return value


_REGION_HELP = "Region to collect (repeatable; default: every enabled region)."


def live_options(command: F, *, region_help: str = _REGION_HELP) -> F:
    """Add --profile, --region, --regions, --role-arn and --external-id to a command

    The values do not reach the command's parameters; `live_request()` reads them.
    `region_help` describes --region where it means more than the regions collected.
    """
    for decorator in reversed(
        (
            click.option(
                "--profile",
                expose_value=False,
                callback=_remember,
                help="AWS profile for live collection (default: boto3's credential chain).",
            ),
            click.option(
                "--region",
                "region",
                multiple=True,
                expose_value=False,
                callback=_remember,
                help=region_help,
            ),
            click.option(
                "--regions",
                "regions",
                expose_value=False,
                callback=_remember,
                help="Comma-separated regions to collect.",
            ),
            click.option(
                "--role-arn",
                expose_value=False,
                callback=_remember,
                help="Role to assume before collecting.",
            ),
            click.option(
                "--external-id",
                expose_value=False,
                callback=_remember,
                help="External id for the role to assume.",
            ),
        )
    ):
        command = decorator(command)
    return command


def _live_values() -> dict[str, Any]:
    ctx = click.get_current_context(silent=True)
    return dict(ctx.meta.get(_LIVE, {})) if ctx is not None else {}


def live_request(**options: Any) -> tuple[AwsTarget, CollectOptions]:
    """The live target and collect options given on the current command line"""
    from iamwarden.aws.session import AwsTarget, CollectOptions

    values = _live_values()
    regions = [
        *values.get("region", ()),
        *(r.strip() for r in values.get("regions", "").split(",") if r.strip()),
    ]
    target = AwsTarget(
        profile=values.get("profile"),
        role_arn=values.get("role_arn"),
        external_id=values.get("external_id"),
        region=regions[0] if regions else None,
    )
    return target, CollectOptions(regions=tuple(regions), **options)


def source_options(command: F, *, region_help: str = _REGION_HELP) -> F:
    """Add --demo, --input DIR, --snapshot FILE, then the live options, to a command

    In `--help` they come in the order a newcomer needs them: the demo first, live last.
    """
    command = live_options(
        command, region_help=region_help
    )  # decorators apply bottom-up: the last added is shown first
    command = click.option(
        "--snapshot",
        "snapshot_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="A snapshot file (.json or .json.gz) written by `iamwarden snapshot` or `collect`.",
    )(command)
    command = click.option(
        "--input",
        "input_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="A directory of exported data (CloudMapper's collect layout).",
    )(command)
    return click.option("--demo", is_flag=True, help="Use the bundled demo account.")(command)


def load_source(
    *,
    demo: bool,
    input_dir: Path | None,
    snapshot_file: Path | None,
    region_is_request: bool = False,
) -> Snapshot:
    """The snapshot named by at most one of the source options; live collection without one

    With `region_is_request` the command reads `--region` as the region of the requests it
    decides, so `--region` goes with every source.
    """
    chosen = [
        name
        for name, value in (("--demo", demo), ("--input", input_dir), ("--snapshot", snapshot_file))
        if value
    ]
    if len(chosen) > 1:
        raise click.UsageError("give exactly one source: --demo, --input DIR or --snapshot FILE")
    live = _live_values()
    if region_is_request:
        live = {k: v for k, v in live.items() if k not in ("region", "regions")}
    if chosen and live:
        raise click.UsageError(
            f"{chosen[0]} does not go with the live options "
            "(--profile, --region, --role-arn, --external-id)"
        )
    if not chosen:
        return collect_live()
    if demo:
        from iamwarden.snapshot.demo import demo_snapshot

        return demo_snapshot()
    if input_dir is not None:
        from iamwarden.snapshot.cloudmapper import import_cloudmapper

        return import_cloudmapper(input_dir)
    assert snapshot_file is not None
    return read_snapshot(snapshot_file)


def collect_live(*, quiet: bool = False) -> Snapshot:
    """Collect the account named by the live options of the current command"""
    from iamwarden.aws import collect_account, open_access
    from iamwarden.cli.progress import live_progress

    target, options = live_request()
    with live_progress(quiet=quiet) as progress:
        access = open_access(target, home_region=options.home_region)
        return collect_account(access, options=options, progress=progress).snapshot
