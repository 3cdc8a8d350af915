"""Products: the services of one domain."""
