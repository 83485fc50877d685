"""inclusio: Italian municipal publications on social inclusion → a DuckDB warehouse of claims."""

__version__ = "0.1.0"
