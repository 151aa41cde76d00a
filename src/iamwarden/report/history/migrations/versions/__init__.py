"""The schema versions of the history store, oldest first (`v0001_…`, `v0002_…`)"""

__all__: list[str] = []
