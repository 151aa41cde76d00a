"""The CloudTrail benchmark under its earlier name: `python -m benchmarks.activity` runs
`benchmarks.cloudtrail` (see there)"""

from __future__ import annotations

from benchmarks.cloudtrail import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
