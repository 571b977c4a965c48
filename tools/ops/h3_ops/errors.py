"""The one error the operator commands raise: what went wrong and what to check."""

from __future__ import annotations


class OpsError(Exception):
    def __init__(self, message: str, check: str):
        super().__init__(f"{message}\nCheck: {check}")
        self.message = message
        self.check = check
