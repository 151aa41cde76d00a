"""The account model, its JSON form, importers and the bundled demo account"""

from iamwarden.snapshot.jsonform import dump_snapshot, read_snapshot, snapshot_from_json, snapshot_to_json
from iamwarden.snapshot.model import *  # noqa: F403
from iamwarden.snapshot.model import __all__ as _model_names

__all__ = [
    *_model_names,
    "dump_snapshot",
    "read_snapshot",
    "snapshot_from_json",
    "snapshot_to_json",
]
