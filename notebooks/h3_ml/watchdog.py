"""The daily delete run's watch over the deletion promise: it fails the run, so the job's failure notification
fires, when a request waited too long or a Capture file is not in bronze in time. The messages name requests
(event ids) and files (Capture paths: namespace, hub, partition, time), never a user.

Raw Capture files are also the only window to recover a stuck ingest: once the lifecycle rule deletes them,
messages never ingested are lost, so a file that stays out of bronze must be noticed well within it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from h3_ml.capture import read_capture_batch
from h3_ml.lake import Lake
from h3_ml.salt import UNVERSIONED
from h3_ml.tables import AUDIT_SALT, CAPTURE_FILES, DELETION_AUDIT, EVENTS

_SHOWN = 10  # files or requests named in one message; the rest are counted


class DeletionAlarm(RuntimeError):
    """The run did its work, and found the promise at risk: raised at its end so the run fails."""

    def __init__(self, message: str, summary=None) -> None:
        super().__init__(message)
        self.summary = summary  # what the run did


def _listed(items: list[str]) -> str:
    more = f", and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
    return "; ".join(items[:_SHOWN]) + more


def slow_requests(spark: SparkSession, lake: Lake, hours: int, started: datetime, now: datetime) -> str | None:
    """Requests open, or completed by the run that started at `started`, more than `hours` after they reached
    Event Hubs."""
    audit = lake.table(DELETION_AUDIT).read(spark)
    done = F.coalesce(F.col("completedAt"), F.lit(now))
    late = audit.filter(
        (F.col("completedAt").isNull() | (F.col("completedAt") >= F.lit(started)))
        & (done > F.col("requestedAt") + F.expr(f"INTERVAL {int(hours)} HOURS"))
    )
    rows = late.orderBy("requestedAt").select("requestId", "requestedAt", "completedAt").collect()
    if not rows:
        return None
    items = [
        f"{r.requestId} requested {r.requestedAt:%Y-%m-%d %H:%M} UTC, "
        + (f"completed {r.completedAt:%Y-%m-%d %H:%M}" if r.completedAt else "still open")
        for r in rows
    ]
    return (
        f"{len(rows)} deletion requests waited more than open_request_hours ({hours}) for the delete job: "
        f"{_listed(items)}. Their rows are gone from the tables now (or will be, for open ones, on the next run); "
        "check why earlier runs of the delete job failed or did not run (its run history, the schedule)"
    )


def unversioned_audit(spark: SparkSession, lake: Lake) -> str | None:
    """Audit rows from before salt versions whose salt (version 0) the salt table lacks: unmatchable."""
    rows = lake.table(DELETION_AUDIT).read(spark).filter(F.col("saltVersion").isNull()).count()
    if not rows:
        return None
    salts = lake.table(AUDIT_SALT).read(spark)
    if salts.filter(F.col("saltVersion") == UNVERSIONED).limit(1).count():
        return None
    table = lake.table(AUDIT_SALT).sql
    return (
        f"{rows} rows of {lake.table(DELETION_AUDIT).label} were hashed with the salt once kept in the secret scope "
        f"and carry no saltVersion, and {lake.table(AUDIT_SALT).label} has no version {UNVERSIONED} for them: the "
        "daily run cannot recognise those users' rows if they come back. Fix: as the delete job's principal, "
        f"INSERT INTO {table} VALUES ({UNVERSIONED}, secret('<scope>', 'audit-salt'), current_timestamp()) "
        "with the old scope, then drop the secret"
    )


def capture_files(spark: SparkSession, root: str) -> DataFrame:
    """Every Capture file under `root`: `captureFile` (as ingest records it) and `modifiedAt`. Listed without
    reading them (`binaryFile` reads a file's content only if asked for it)."""
    listing = (
        spark.read.format("binaryFile")
        .option("recursiveFileLookup", "true")
        .option("pathGlobFilter", "*.avro")
        .load(root)
    )
    return listing.select(F.col("path").alias("captureFile"), F.col("modificationTime").alias("modifiedAt"))


def missing_capture_files(
    spark: SparkSession, lake: Lake, root: str, seen: DataFrame, hours: int, now: datetime
) -> str | None:
    """Capture files older than `hours` that hold messages and are not in `seen` (a frame of `captureFile`)."""
    try:
        listed = capture_files(spark, root)
    except AnalysisException as error:
        if "PATH_NOT_FOUND" in str(error):  # Capture has written nothing yet
            return None
        raise
    oldest = listed.agg(F.min("modifiedAt").alias("t")).first()["t"]
    if oldest is None:
        return None
    # A file seen before the oldest file still in the container was written was removed by the lifecycle rule.
    lake.table(CAPTURE_FILES).delta(spark).delete(F.col("seenAt") < F.lit(oldest))
    cutoff = now - timedelta(hours=hours)
    old = listed.filter(F.col("modifiedAt") < F.lit(cutoff)).join(seen, "captureFile", "left_anti")
    suspects = {r.captureFile: r.modifiedAt for r in old.collect()}
    if not suspects:
        return None
    # Capture writes a header-only file for a window without traffic unless `skipEmptyArchives` is set: such a
    # file adds no row to bronze and is not missing.
    counted = read_capture_batch(spark, sorted(suspects)).groupBy("captureFile").count()
    holding = {r.captureFile: r["count"] for r in counted.collect()}
    if not holding:
        return None
    items = [f"{f} (written {suspects[f]:%Y-%m-%d %H:%M}, {n} messages)" for f, n in sorted(holding.items())]
    return (
        f"{len(holding)} Capture files older than capture_lag_hours ({hours}) hold messages that are not in "
        f"{lake.table(EVENTS).label}: {_listed(items)}. Check the ingest job (its recent runs and the file-arrival "
        "trigger, its checkpoint); raw Capture files are deleted after storage.rawRetentionDays, and messages "
        "not ingested by then are lost"
    )


def check(
    spark: SparkSession,
    lake: Lake,
    *,
    capture_root: str | None,
    seen_capture_files: Callable[[], DataFrame],
    open_request_hours: int,
    capture_lag_hours: int,
    started: datetime,
    now: datetime,
) -> list[str]:
    """Every alarm of the daily run that started at `started`."""
    found = [
        slow_requests(spark, lake, open_request_hours, started, now),
        unversioned_audit(spark, lake),
    ]
    if capture_root:
        found.append(missing_capture_files(spark, lake, capture_root, seen_capture_files(), capture_lag_hours, now))
    else:
        found.append(
            "the job parameter capture_root is empty, so no Capture file missing from bronze can be noticed. "
            "Fix: set capture_root on the delete job to the folder Capture writes to, as on the ingest job"
        )
    return [message for message in found if message]
