"""Contacts: the services of one domain."""
