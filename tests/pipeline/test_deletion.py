import hashlib
from datetime import timedelta

import pytest
from delta.exceptions import ConcurrentAppendException
from pyspark.sql import functions as F

from h3_ml import faults as fp
from h3_ml import salt as audit_salt
from h3_ml.commits import retry_on_conflict
from h3_ml.deletion import RequestNotFound
from h3_ml.faults import Faults
from h3_ml.ingest import run_ingest
from h3_ml.normalize import merge_silver, run_normalize, to_silver, with_validation
from h3_ml.salt import SaltRotationRefused
from h3_ml.tables import AUDIT_SALT, DELETION_AUDIT, EVENTS, QUARANTINE, silver_spec

from .helpers import NOW, T0, body, bronze_frame, contents, delete_run, later, request_deletion, without, write_file
from .scenario import ALICE, BOB, CAROL

QUIET = {"progress": lambda _: None}


def audit_rows(spark, lake):
    rows = lake.table(DELETION_AUDIT).read(spark).orderBy("requestedAt", "requestId").collect()
    return [(r.requestId, r.source, r.completedAt is not None, r.saltVersion) for r in rows]


def test_a_run_now_needs_its_request_in_bronze(spark, scenario_lake):
    """The same request run again is a no-op: `test_end_to_end.py`."""
    with pytest.raises(RequestNotFound, match=r"deletion request req-1 is not in bronze.events yet.* Fix: wait"):
        delete_run(spark, scenario_lake, request_id="req-1")
    assert scenario_lake.table(DELETION_AUDIT).read(spark).count() == 0

    request_deletion(spark, scenario_lake, ALICE, "req-1")
    first = delete_run(spark, scenario_lake, request_id="req-1")
    assert (first.requests, first.request["requestId"], first.request["completedAt"]) == (
        1,
        "req-1",
        NOW.replace(tzinfo=None),
    )


def test_deletion_request_events_are_picked_up_and_not_resurrected_by_normalize(spark, lake, capture_root):
    request = body("user.deletion_requested", {}, event_id="req-event-1", user_id=BOB, occurred_at=later(T0, 1))
    write_file(
        capture_root,
        [
            body(event_id="e-b", user_id=BOB, occurred_at=T0),
            body(event_id="e-c", user_id=CAROL, occurred_at=T0),
            request,
        ],
        enqueued=later(T0, 2),
    )
    run_ingest(spark, capture_root, lake, **QUIET)
    # Deleted before normalize caught up: the bronze stream still replays the original append.
    summary = delete_run(spark, lake)
    assert summary.rows_removed == {"bronze.events": 2}
    (audit,) = lake.table(DELETION_AUDIT).read(spark).collect()
    assert (audit.requestId, audit.source) == ("req-event-1", "event")

    run_normalize(spark, lake, **QUIET)
    silver = lake.table(silver_spec("measurement.recorded")).read(spark).select("eventId", "userId").collect()
    assert [tuple(r) for r in silver] == [("e-c", CAROL)]
    assert lake.table(silver_spec("user.deletion_requested")).read(spark).count() == 0


class Plans:
    """Every query plan Spark runs `during` a call (Spark's `QueryExecutionListener`, called from the JVM): what the
    Spark UI and event logs would show. The test's own queries around the call are not recorded."""

    def __init__(self, spark):
        self.texts: list[str] = []
        self.recording = False
        self.bus = spark._jsparkSession.sparkContext().listenerBus()

    def during(self, call):
        self.bus.waitUntilEmpty()
        self.recording = True
        try:
            return call()
        finally:
            self.bus.waitUntilEmpty()
            self.recording = False

    def onSuccess(self, funcName, qe, durationNs):  # the JVM interface's names
        self._record(qe)

    def onFailure(self, funcName, qe, exception):
        self._record(qe)

    def _record(self, qe):
        if self.recording:
            self.texts.append(qe.toString())

    class Java:
        implements = ("org.apache.spark.sql.util.QueryExecutionListener",)


@pytest.fixture
def plans(spark):
    from pyspark.java_gateway import ensure_callback_server_started

    ensure_callback_server_started(spark.sparkContext._gateway)
    listener = Plans(spark)
    manager = spark._jsparkSession.listenerManager()
    manager.register(listener)
    yield listener
    listener.bus.waitUntilEmpty()
    manager.unregister(listener)


def test_the_next_run_deletes_again_rows_of_a_deleted_user_that_arrive_later(spark, lake, capture_root, plans):
    """And neither run puts the user's id or the salt in a query plan or the progress log, though the daily run
    hashes every id it reads to find the user's."""
    write_file(
        capture_root,
        [body(event_id="e-b1", user_id=BOB, occurred_at=T0), body(event_id="e-c1", user_id=CAROL, occurred_at=T0)],
        enqueued=later(T0, 1),
    )
    run_ingest(spark, capture_root, lake, **QUIET)
    request_deletion(spark, lake, BOB, "req-b")
    log: list[str] = []
    plans.during(lambda: delete_run(spark, lake, request_id="req-b", progress=log.append))
    # A Capture file that arrives after the request completed still holds the user.
    write_file(
        capture_root,
        [body(event_id="e-b2", user_id=BOB, occurred_at=T0), body(event_id="e-c2", user_id=CAROL, occurred_at=T0)],
        enqueued=later(T0, 9),
        first_seq=2,
    )
    run_ingest(spark, capture_root, lake, **QUIET)
    run_normalize(spark, lake, **QUIET)
    bronze = lake.table(EVENTS)
    assert sorted(r.eventId for r in bronze.read(spark).filter(F.col("userId") == BOB).collect()) == ["e-b2"]

    daily = plans.during(lambda: delete_run(spark, lake, at=NOW + timedelta(hours=1), progress=log.append))
    assert daily.requests == 1
    assert (daily.rows_removed["bronze.events"], daily.rows_removed["silver.measurement_recorded"]) == (1, 1)
    assert all(BOB not in j for rows in contents(spark, lake).values() for j in rows)
    assert sorted(r.eventId for r in bronze.read(spark).collect()) == ["e-c1", "e-c2"]
    (salt,) = [r.salt for r in lake.table(AUDIT_SALT).read(spark).collect()]
    assert len(plans.texts) > 50  # the check can fail: the runs' queries were seen
    assert [t for t in plans.texts if BOB in t or salt in t] == []
    assert log and [line for line in log if BOB in line] == []
    bob_hash = hashlib.sha256(f"{salt}:{BOB}".encode()).hexdigest()
    audit = lake.table(DELETION_AUDIT).read(spark).filter(F.col("userHash") == bob_hash).orderBy("requestedAt")
    assert [(r.source, r.completedAt is not None, r.saltVersion) for r in audit.collect()] == [
        ("event", True, 1),
        ("reapplied", True, 1),
    ]
    assert audit.collect()[1].requestId.startswith("reapplied:")

    # Normalize's MERGE writes a batch read from bronze before a deletion removed Bob's row there: only silver has
    # it now. Its commit also rewrote a file (a re-send of Carol's event matched), which a stream that skips such
    # commits would not read; the daily run reads it and deletes Bob's row again.
    silver = lake.table(silver_spec("measurement.recorded"))
    late = [body(event_id="e-c1", user_id=CAROL, occurred_at=T0), body(event_id="e-b3", user_id=BOB, occurred_at=T0)]
    merge_silver(
        spark, silver, to_silver(with_validation(bronze_frame(spark, late, first_seq=60)), "measurement.recorded")
    )
    assert int(silver.delta(spark).history(1).first().operationMetrics["numTargetFilesRemoved"]) > 0
    raced = delete_run(spark, lake, at=NOW + timedelta(hours=3))
    assert (raced.requests, raced.rows_removed["silver.measurement_recorded"]) == (1, 1)
    assert sorted(r.eventId for r in silver.read(spark).collect()) == ["e-c1", "e-c2"]


def test_a_concurrent_commit_is_retried():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise ConcurrentAppendException("files were added by a concurrent update")
        return "done"

    logged = []
    assert retry_on_conflict(flaky, what="delete bronze.events", log=logged.append) == "done"
    assert logged == ["delete bronze.events: concurrent commit (ConcurrentAppendException), retry 1/4"]


def test_a_crashed_delete_is_finished_by_the_next_run_and_the_salt_rotates_only_with_none_open(spark, scenario_lake):
    """Its last daily run, seven days and a second after the scenario's first message, also expires the rows naming
    no user that have waited `unattributed_days`."""
    lake = scenario_lake
    request_deletion(spark, lake, BOB, "req-b")
    crash = Faults(crash_at={(fp.DELETE_BEFORE_MERGE, 0)})
    with pytest.raises(Exception, match=r"injected crash at delete\.before_merge"):
        delete_run(spark, lake, request_id="req-b", faults=crash)
    assert audit_rows(spark, lake) == [("req-b", "event", False, 1)]
    with pytest.raises(SaltRotationRefused, match=r"1 deletion requests are open \(req-b\).* Fix: let the delete job"):
        audit_salt.rotate(spark, lake)

    # The next run completes it: the request event is still in bronze, so its user is known again. Asked to rotate
    # the salt, it completes the open request first, with the version it was opened with, then rotates.
    before = contents(spark, lake)
    rotated = delete_run(spark, lake, rotate_salt=True)
    assert rotated.rows_removed["bronze.events"] == 3  # two events and the request
    assert contents(spark, lake) == without(before, BOB)
    (row,) = lake.table(DELETION_AUDIT).read(spark).collect()
    assert (row.requestId, row.completedAt is not None, row.rowsRemoved["silver.user_registered"]) == ("req-b", True, 1)
    assert rotated.salt_version == 2
    assert audit_rows(spark, lake) == [("req-b", "event", True, 1)]
    assert sorted(r.saltVersion for r in lake.table(AUDIT_SALT).read(spark).collect()) == [1, 2]

    # Bob's rows come back: matched under version 1, deleted again under version 2; a new request uses version 2.
    lake.table(EVENTS).append(bronze_frame(spark, [body(event_id="e-b9", user_id=BOB, occurred_at=T0)], first_seq=50))
    expiry = T0 + timedelta(days=7, seconds=1)
    request_deletion(spark, lake, CAROL, "req-c", at=expiry - timedelta(hours=1))
    # Bronze and the quarantine keep rewritten files 7 days less than silver, the days those rows may wait.
    retention = {
        spec.key: lake.table(spec).properties(spark)["delta.deletedFileRetentionDuration"]
        for spec in (EVENTS, QUARANTINE, silver_spec("measurement.recorded"))
    }
    assert retention == {
        "bronze.events": "interval 21 days",
        "silver.quarantine": "interval 21 days",
        "silver.measurement_recorded": "interval 28 days",
    }
    nameless = F.col("userId").isNull()
    before = [lake.table(t).read(spark).filter(nameless).count() for t in (EVENTS, QUARANTINE)]
    assert before == [5, 5]  # an empty body, "oops" and Alice's three damaged bodies
    named = lake.table(EVENTS).read(spark).filter(~nameless).count()

    # The scenario's messages were enqueued at T0 (the empty body) and T0 + 5 minutes (the other four). One second
    # past 7 days after T0, the empty body's row is due and the others, 7 days less 4:59 old, are not.
    daily = delete_run(spark, lake, at=expiry)
    assert daily.rows_removed["bronze.events"] == 3  # Bob's row, Carol's workout and her request
    assert [(source, version) for _, source, _, version in audit_rows(spark, lake)] == [
        ("event", 1),
        ("event", 2),
        ("reapplied", 2),
    ]
    assert daily.expired == {"bronze.events": 1, "silver.quarantine": 1}
    assert [lake.table(t).read(spark).filter(nameless).count() for t in (EVENTS, QUARANTINE)] == [4, 4]
    assert lake.table(EVENTS).read(spark).filter(~nameless).count() == named - 3  # expiry takes no named row
