"""The built-in checks; importing this package registers them"""

from iamwarden.analysis.checks import account, passwords, policies, root, users

__all__ = ["account", "passwords", "policies", "root", "users"]
