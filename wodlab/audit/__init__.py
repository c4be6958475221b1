"""Audits of stored data: suspicious results, duplicate workouts, their merges and undo."""
