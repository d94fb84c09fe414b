"""Rules: the registry (registry.py), the data rows (tables.py), one module per family, and the
engine that runs them over a document (engine.py)."""
