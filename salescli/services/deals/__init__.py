"""Deals: the services of one domain."""
