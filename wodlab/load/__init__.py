"""The load path shared by every table: reading, checking, writing, reporting; the columnar path of clean files."""
