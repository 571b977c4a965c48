"""Operator commands for a deployed stack (`python -m h3_ops --help`), and the SDK clients they share with the
smoke test (tools/smoke)."""
