"""Accounts: the services of one domain."""
