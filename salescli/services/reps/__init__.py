"""Reps: the services of one domain."""
