"""Benchmarks: wodlab against what a user would otherwise write, measured in one run on the same rows.

    python -m wodlab.bench --scale small|box|federation [--runs N] [--json PATH]

run.py builds the box and prints the report; loads.py, reads.py, incremental.py and workouts.py
time one family of work each, beside its baselines; timing.py says how a figure is measured.
"""
