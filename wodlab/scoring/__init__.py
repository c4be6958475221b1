"""Scores: the notations athletes write, and how results rank."""
