"""Smoke test of a deployed stack: `make smoke STACK=<stack>` (see steps.py)."""
