"""Named points where a job can be made to crash, so tests (and fuzzing) prove recovery at each of them.

Jobs call `faults.check(point, batch_id)` at every point where a real crash would leave work half done. In
production the default `NO_FAULTS` never raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field

INGEST_BEFORE_WRITE = "ingest.before_write"
INGEST_AFTER_WRITE = "ingest.after_write"
NORMALIZE_BEFORE_WRITE = "normalize.before_write"
NORMALIZE_AFTER_TABLE = "normalize.after_table"
# Once per silver table: the first crash here falls between two silver tables when a batch has several types.
NORMALIZE_AFTER_SILVER_TABLE = "normalize.after_silver_table"
# Every table written, the stream's checkpoint not yet: the batch is replayed.
NORMALIZE_BEFORE_COMMIT = "normalize.before_commit"
DELETE_BEFORE_MERGE = "delete.before_merge"
DELETE_BEFORE_AUDIT = "delete.before_audit"

POINTS = frozenset(
    {
        INGEST_BEFORE_WRITE,
        INGEST_AFTER_WRITE,
        NORMALIZE_BEFORE_WRITE,
        NORMALIZE_AFTER_TABLE,
        NORMALIZE_AFTER_SILVER_TABLE,
        NORMALIZE_BEFORE_COMMIT,
        DELETE_BEFORE_MERGE,
        DELETE_BEFORE_AUDIT,
    }
)


class InjectedCrash(RuntimeError):
    """Raised at a fault point; stands for the process dying there."""


@dataclass
class Faults:
    """Crash once at each `(point, batch_id)`; `actions` run a callable instead (e.g. a concurrent writer)."""

    crash_at: set[tuple[str, int]] = field(default_factory=set)
    actions: dict[tuple[str, int], object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = {p for p, _ in [*self.crash_at, *self.actions]} - POINTS
        if unknown:
            raise ValueError(f"unknown fault point(s) {sorted(unknown)}: use one of {sorted(POINTS)}")

    def check(self, point: str, batch_id: int = 0) -> None:
        action = self.actions.pop((point, batch_id), None)
        if callable(action):
            action()
        if (point, batch_id) in self.crash_at:
            # Once only: the rerun that follows a crash must get past this point.
            self.crash_at.discard((point, batch_id))
            raise InjectedCrash(f"injected crash at {point} in batch {batch_id}")


NO_FAULTS = Faults()
