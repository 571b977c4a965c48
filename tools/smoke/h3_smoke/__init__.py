"""Smoke test of a deployed stack: `make smoke STACK=<stack>` (see steps.py); its clients are h3_ops's."""
