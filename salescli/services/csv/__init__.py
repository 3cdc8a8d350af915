"""Csv: the services of one domain."""
