"""What the process exit status of every command means"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode"]


class ExitCode(IntEnum):
    """What the process exit status means"""

    OK = 0
    FINDINGS = 1
    INPUT_ERROR = 2
