"""A box as a folder: loaded whole (load box) and written back (export)."""
