"""Deletion while ingest runs: two threads on one lake and one SparkSession.

The threads meet at fault points instead of racing on timing: ingest appends a batch holding the user between
the deletion's read of bronze and its MERGE, then waits for the deletion to finish before its next batch.
Events only order the two; the waits' timeout guards against a deadlock, nothing else.

The guarantee: a deletion removes every row of the user committed before its MERGE of that table starts,
including rows appended while it was counting; both jobs finish. Rows ingested after the deletion completes
(Capture files still holding the user) are not covered by that request: a new request removes them.
"""

import os
import threading

import pytest
from pyspark.sql import functions as F

from h3_ml import faults as fp
from h3_ml.deletion import DeletionSummary
from h3_ml.faults import Faults
from h3_ml.ingest import IngestSummary, run_ingest
from h3_ml.normalize import run_normalize
from h3_ml.tables import DELETION_AUDIT, EVENTS, user_tables

from .helpers import T0, body, delete_run, later, request_deletion, write_file

pytestmark = pytest.mark.slow  # left out of `make test-python-fast`

QUIET = {"progress": lambda _: None}
GONE, KEEP_1, KEEP_2 = "u-gone", "u-keep-1", "u-keep-2"
DEADLOCK_GUARD_SECONDS = 600


def rows_of(spark, lake, users):
    """Every user table's rows of `users`, as sorted JSON lines."""
    out = {}
    for spec in user_tables():
        df = lake.table(spec).read(spark).filter(F.col(spec.user_column).isin(*users))
        out[spec.key] = sorted(r.j for r in df.select(F.to_json(F.struct("*")).alias("j")).collect())
    return out


def bronze_lineage(spark, lake, user):
    df = lake.table(EVENTS).read(spark).filter(F.col("userId") == user)
    return sorted((r.partitionId, r.sequenceNumber) for r in df.collect())


def write_in_order(capture_root, files):
    """Capture files whose modification times follow the list, so ingest reads one per batch in that order."""
    for i, (bodies, partition, first_seq) in enumerate(files):
        path = write_file(
            capture_root, bodies, enqueued=later(T0, 5 * (i + 1)), partition=partition, first_seq=first_seq
        )
        stamp = 1_900_000_000 + 60 * i
        os.utime(path.removeprefix("file:"), (stamp, stamp))


def waiter(event: threading.Event, what: str):
    def wait() -> None:
        if not event.wait(DEADLOCK_GUARD_SECONDS):
            raise RuntimeError(f"{what} never happened")

    return wait


def test_deletion_concurrent_with_ingest_removes_every_row_committed_before_its_merge(spark, lake, capture_root):
    write_file(
        capture_root,
        [
            body(event_id="e-a1", user_id=GONE, occurred_at=T0),
            body("user.registered", {"country": "NL"}, event_id="e-a2", user_id=GONE, occurred_at=T0),
            body(event_id="e-a3", user_id=KEEP_1, occurred_at=T0),
            body(event_id="e-a4", user_id=GONE, occurred_at=T0, payload={"metric": "w", "value": "x", "unit": "kg"}),
            body(event_id="e-a5", user_id=KEEP_2, occurred_at=T0, payload={"metric": "w"}),
        ],
        enqueued=T0,
        partition=0,
    )
    run_ingest(spark, capture_root, lake, **QUIET)
    run_normalize(spark, lake, **QUIET)
    others_before = rows_of(spark, lake, [KEEP_1, KEEP_2])
    write_in_order(
        capture_root,
        [
            (
                [
                    body(event_id="e-b1", user_id=GONE, occurred_at=T0),
                    body(event_id="e-b2", user_id=KEEP_1, occurred_at=T0),
                ],
                1,
                0,
            ),
            (
                [
                    body(event_id="e-c1", user_id=GONE, occurred_at=T0),
                    body(event_id="e-c2", user_id=KEEP_2, occurred_at=T0),
                ],
                2,
                0,
            ),
            ([body(event_id="e-d1", user_id=KEEP_1, occurred_at=T0)], 0, 5),
        ],
    )

    request_deletion(spark, lake, GONE, "req-1")
    read, appended, deleted = threading.Event(), threading.Event(), threading.Event()
    # Batch 0 ingested the first file; this run's batches 1, 2, 3 read the three new ones.
    ingest_faults = Faults(
        actions={
            (fp.INGEST_BEFORE_WRITE, 1): waiter(read, "the deletion's read of bronze"),
            (fp.INGEST_AFTER_WRITE, 1): appended.set,
            (fp.INGEST_BEFORE_WRITE, 2): waiter(deleted, "the end of the deletion"),
        }
    )

    def between_read_and_merge() -> None:
        read.set()
        waiter(appended, "the concurrent append")()

    delete_faults = Faults(actions={(fp.DELETE_BEFORE_MERGE, 0): between_read_and_merge})
    log: list[str] = []
    results: dict[str, object] = {}

    def run(name, job, *finally_set):
        try:
            results[name] = job()
        except Exception as error:  # reported by the assertion below, with the other thread's outcome
            results[name] = error
        finally:
            for event in finally_set:
                event.set()

    threads = [
        threading.Thread(
            target=run,
            args=(
                "ingest",
                lambda: run_ingest(spark, capture_root, lake, max_files_per_trigger=1, faults=ingest_faults, **QUIET),
                appended,
            ),
        ),
        threading.Thread(
            target=run,
            args=(
                "delete",
                lambda: delete_run(spark, lake, request_id="req-1", faults=delete_faults, progress=log.append),
                read,
                deleted,
            ),
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert {k: type(v) for k, v in results.items()} == {"ingest": IngestSummary, "delete": DeletionSummary}, results
    assert results["ingest"].messages_read == 5
    # A blind append does not conflict with the MERGE, which reads the table as it is when it starts.
    assert [line for line in log if "concurrent commit" in line] == []
    assert results["delete"].rows_removed == {
        # Counted by the MERGE: the row appended after the run's scan and before its MERGE included, and the
        # request's own.
        "bronze.events": 5,
        "silver.quarantine": 1,
        "silver.measurement_recorded": 1,
        "silver.user_deletion_requested": 0,
        "silver.user_registered": 1,
        "silver.workout_completed": 0,
    }
    audit = lake.table(DELETION_AUDIT).read(spark).filter(F.col("requestId") == "req-1").first()
    assert {k: n for k, n in audit.rowsRemoved.items() if n} == {
        "bronze.events": 5,
        "silver.quarantine": 1,
        "silver.measurement_recorded": 1,
        "silver.user_registered": 1,
    }
    # What remains of the user is exactly the file ingested after the deletion had finished.
    assert bronze_lineage(spark, lake, GONE) == [("2", 0)]
    assert {k: len(v) for k, v in rows_of(spark, lake, [GONE]).items() if v} == {EVENTS.key: 1}
    others = rows_of(spark, lake, [KEEP_1, KEEP_2])
    assert {k: v for k, v in others.items() if k != EVENTS.key} == {
        k: v for k, v in others_before.items() if k != EVENTS.key
    }
    assert bronze_lineage(spark, lake, KEEP_1) == [("0", 2), ("0", 5), ("1", 1)]
    assert bronze_lineage(spark, lake, KEEP_2) == [("0", 4), ("2", 1)]

    # A later ingest is not covered by a completed request: normalize carries the row on, a new request removes it.
    run_normalize(spark, lake, **QUIET)
    assert sum(len(v) for v in rows_of(spark, lake, [GONE]).values()) == 2
    request_deletion(spark, lake, GONE, "req-2")
    again = delete_run(spark, lake, request_id="req-2")
    assert {k: n for k, n in again.rows_removed.items() if n} == {"bronze.events": 2, "silver.measurement_recorded": 1}
    assert all(rows == [] for rows in rows_of(spark, lake, [GONE]).values())
