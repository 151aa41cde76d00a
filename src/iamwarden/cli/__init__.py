"""The command line: thin click commands over the library"""

__all__: list[str] = []
