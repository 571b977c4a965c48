"""What the delete job reads of the user tables on each run: only the rows added since its last run.

One Structured Streaming query over every user table (a Delta stream per table, unioned) with its own checkpoint:
each run reads the commits after the ones the last run read, never the whole lake. Late rows can only be new rows,
so a deleted user's rows that come back are among them; so are the request events.

Which commits a table's stream reads:
- bronze and the quarantine get rows only by appends (ingest; normalize's insert-only MERGE, which Delta commits
  as an append): `skipChangeCommits` leaves out the commits that delete or rewrite rows (the deletion's own,
  expiry, repairs), which bring no new row.
- a silver table gets rows by normalize's MERGE, which rewrites a file when a re-sent event matches one of its rows
  even if nothing changes; `skipChangeCommits` would skip that whole commit, new rows included. `ignoreChanges`
  reads it, with the rewritten file's unchanged rows again
  (https://docs.delta.io/latest/delta-streaming.html#ignore-updates-and-deletes: "ignoreChanges: re-process
  updates if files had to be rewritten in the source table due to a data changing operation such as UPDATE,
  MERGE INTO, DELETE (within partitions), or OVERWRITE. Unchanged rows may still be emitted"). Reading a row
  twice only hashes its user id twice.
- OPTIMIZE commits change no data (`dataChange = false`): no stream reads them.

A stream must run within its source's retention ("the streaming query must run at least once within the retention
window of the source table", https://learn.microsoft.com/azure/databricks/structured-streaming/delta-lake): the
daily run reads within a day, the tables keep files and log for weeks. A set of tables other than the
checkpoint's (an event type added) starts a new checkpoint, which reads every table once.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from h3_ml.ingest import await_available_now
from h3_ml.lake import Lake, TableRef
from h3_ml.tables import EVENTS

# What a scanned row keeps: its table, its user, and for bronze the fields of a request event and its file.
_REQUEST_FIELDS = (
    ("eventId", T.StringType()),
    ("eventType", T.StringType()),
    ("occurredAt", T.TimestampType()),
    ("enqueuedTime", T.TimestampType()),
    ("ingestedAt", T.TimestampType()),
    ("partitionId", T.StringType()),
    ("sequenceNumber", T.LongType()),
    ("captureFile", T.StringType()),
)


def _rows(spark: SparkSession, table: TableRef) -> DataFrame:
    changes = "skipChangeCommits" if table.spec.unattributed else "ignoreChanges"
    rows = table.read_stream(spark, **{changes: "true"})
    bronze = table.spec == EVENTS
    return rows.select(
        F.lit(table.label).alias("table"),
        F.col(table.spec.user_column).alias("userId"),
        *(F.col(name) if bronze else F.lit(None).cast(kind).alias(name) for name, kind in _REQUEST_FIELDS),
    )


def checkpoint(lake: Lake, tables: list[TableRef]) -> str:
    """One checkpoint per set of tables: a stream cannot change its sources across runs."""
    names = ",".join(sorted(t.label for t in tables))
    return lake.checkpoint(f"delete-scan-{hashlib.sha256(names.encode()).hexdigest()[:12]}")


def scan_new_rows(
    spark: SparkSession,
    lake: Lake,
    tables: list[TableRef],
    on_batch: Callable[[DataFrame, str, int], None],
    progress: Callable[[str], None],
) -> int:
    """Calls `on_batch(rows, query_id, batch_id)` for the rows added to `tables` since the last scan; returns the
    rows read. `on_batch` must be idempotent per (query id, batch id): a crash before the checkpoint commits
    replays the batch."""
    if not tables:
        return 0
    # A batch can start before `start()` returns the query, whose id the batch writes with.
    query_ids: dict[str, str] = {}
    known = threading.Event()

    def write(batch: DataFrame, batch_id: int) -> None:
        known.wait()
        on_batch(batch, query_ids["id"], batch_id)

    union = reduce(DataFrame.unionByName, [_rows(spark, t) for t in tables])
    query = (
        union.writeStream.queryName("h3_ml_delete_scan")
        .foreachBatch(write)
        .option("checkpointLocation", checkpoint(lake, tables))
        .trigger(availableNow=True)
        .start()
    )
    query_ids["id"] = str(query.id)
    known.set()
    _, rows = await_available_now(query, "delete scan", progress)
    return rows
