"""Foundations every layer stands on: errors, ids, the frame contract, field readers, files."""
