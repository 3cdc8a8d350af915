"""Leads: the services of one domain."""
