"""Simulated boxes and competition boards, for demos, tests and the benchmark."""
