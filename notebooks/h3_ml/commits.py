"""Delta commits that read before they write: retried when a concurrent commit invalidated what they read."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from delta.exceptions import (
    ConcurrentAppendException,
    ConcurrentDeleteDeleteException,
    ConcurrentDeleteReadException,
    ConcurrentTransactionException,
    ConcurrentWriteException,
    MetadataChangedException,
)
from pyspark.sql import DataFrame, SparkSession

from h3_ml.lake import TableRef

CONFLICTS = (
    ConcurrentAppendException,
    ConcurrentDeleteReadException,
    ConcurrentDeleteDeleteException,
    ConcurrentTransactionException,
    ConcurrentWriteException,
    MetadataChangedException,
)

R = TypeVar("R")


def retry_on_conflict(
    action: Callable[[], R], *, what: str, attempts: int = 5, log: Callable[[str], None] = print
) -> R:
    """Runs a read-then-write Delta operation again when a concurrent commit invalidated what it read."""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except CONFLICTS as error:
            if attempt == attempts:
                raise
            log(f"{what}: concurrent commit ({type(error).__name__}), retry {attempt}/{attempts - 1}")
            time.sleep(min(0.5 * 2 ** (attempt - 1), 8))
    raise AssertionError("unreachable")


def insert_missing(spark: SparkSession, table: TableRef, rows: DataFrame, *, on: str, what: str) -> None:
    """Inserts the rows that `on` matches to no row of `table`: a replayed write changes nothing."""

    def merge() -> None:
        table.delta(spark).alias("t").merge(rows.alias("s"), on).whenNotMatchedInsertAll().execute()

    retry_on_conflict(merge, what=what)
