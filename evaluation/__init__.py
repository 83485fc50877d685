"""Scoring the extractors against the annotated corpus in tests/corpus (I/O: reads files)."""
