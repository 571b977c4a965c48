import hashlib
from pathlib import Path

import pytest
from delta.exceptions import ConcurrentAppendException
from pyspark.sql import functions as F

from h3_ml import faults as fp
from h3_ml.commits import retry_on_conflict
from h3_ml.deletion import delete_user_data
from h3_ml.faults import Faults
from h3_ml.ingest import run_ingest
from h3_ml.normalize import run_normalize
from h3_ml.tables import DELETION_AUDIT, EVENTS, all_tables, silver_spec

from .helpers import T0, body, contents, files_holding, later, write_file
from .scenario import ALICE, ALICE_REMOVED, BOB, CAROL

QUIET = {"progress": lambda _: None}
SALT = "test-salt"


def versions(lake):
    """Each table's latest version: the highest-numbered commit file in its `_delta_log`."""
    log = {spec.key: Path(lake.table(spec).path) / "_delta_log" for spec in all_tables()}
    return {key: max(int(p.stem) for p in folder.glob("*.json")) for key, folder in log.items()}


def test_a_second_run_is_a_no_op(spark, scenario_lake):
    delete_user_data(spark, [ALICE], scenario_lake, salt=SALT, request_id="req-1", **QUIET)
    rows, history = contents(spark, scenario_lake), versions(scenario_lake)

    same = delete_user_data(spark, [ALICE], scenario_lake, salt=SALT, request_id="req-1", **QUIET)
    assert (same.already_completed, same.rows_removed, same.seconds_to_completed_audit) == (1, {}, None)
    assert versions(scenario_lake) == history

    again = delete_user_data(spark, [ALICE], scenario_lake, salt=SALT, request_id="req-2", **QUIET)
    assert again.rows_removed == dict.fromkeys(ALICE_REMOVED, 0)
    assert again.purged == []
    assert contents(spark, scenario_lake) == rows
    history.pop(DELETION_AUDIT.key)
    assert {k: v for k, v in versions(scenario_lake).items() if k != DELETION_AUDIT.key} == history


def test_a_crashed_delete_is_finished_by_the_next_run(spark, scenario_lake):
    crash = Faults(crash_at={(fp.DELETE_BEFORE_MERGE, 0)})
    with pytest.raises(Exception, match=r"injected crash at delete\.before_merge"):
        delete_user_data(spark, [BOB], scenario_lake, salt=SALT, request_id="req-b", faults=crash, **QUIET)
    (open_row,) = scenario_lake.table(DELETION_AUDIT).read(spark).collect()
    assert open_row.completedAt is None

    resumed = delete_user_data(spark, [], scenario_lake, salt=SALT, **QUIET)
    assert resumed.rows_removed["bronze.events"] == 2
    assert all(BOB not in j for rows in contents(spark, scenario_lake).values() for j in rows)
    (row,) = scenario_lake.table(DELETION_AUDIT).read(spark).collect()
    assert (row.requestId, row.completedAt is not None, row.rowsRemoved["silver.user_registered"]) == (
        "req-b",
        True,
        1,
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
    summary = delete_user_data(spark, [], lake, salt=SALT, **QUIET)
    assert summary.rows_removed == {"bronze.events": 2}
    (audit,) = lake.table(DELETION_AUDIT).read(spark).collect()
    assert (audit.requestId, audit.source) == ("req-event-1", "event")

    run_normalize(spark, lake, **QUIET)
    silver = lake.table(silver_spec("measurement.recorded")).read(spark).select("eventId", "userId").collect()
    assert [tuple(r) for r in silver] == [("e-c", CAROL)]
    assert lake.table(silver_spec("user.deletion_requested")).read(spark).count() == 0


def test_the_sweep_deletes_again_rows_of_a_deleted_user_that_arrive_later(spark, lake, capture_root):
    write_file(
        capture_root,
        [body(event_id="e-b1", user_id=BOB, occurred_at=T0), body(event_id="e-c1", user_id=CAROL, occurred_at=T0)],
        enqueued=later(T0, 1),
    )
    run_ingest(spark, capture_root, lake, **QUIET)
    delete_user_data(spark, [BOB], lake, salt=SALT, request_id="req-b", **QUIET)
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

    # Without the sweep flag a completed request is not looked at again: the rows stay.
    plain = delete_user_data(spark, [], lake, salt=SALT, **QUIET)
    assert (plain.requests, plain.rows_removed) == (0, {})

    sweep = delete_user_data(spark, [], lake, salt=SALT, reapply_completed=True, retain_hours=0, **QUIET)
    assert sweep.requests == 1
    assert (sweep.rows_removed["bronze.events"], sweep.rows_removed["silver.measurement_recorded"]) == (1, 1)
    assert all(BOB not in j for rows in contents(spark, lake).values() for j in rows)
    assert files_holding(Path(lake.root).rglob("*"), BOB) == []
    assert sorted(r.eventId for r in bronze.read(spark).collect()) == ["e-c1", "e-c2"]
    bob_hash = hashlib.sha256(f"{SALT}:{BOB}".encode()).hexdigest()
    audit = sorted(lake.table(DELETION_AUDIT).read(spark).collect(), key=lambda r: r.requestedAt)
    assert [(r.userHash, r.source, r.completedAt is not None) for r in audit] == [
        (bob_hash, "parameter", True),
        (bob_hash, "reapplied", True),
    ]
    assert audit[1].requestId.startswith("reapplied:")
    assert all(BOB not in str(r.asDict()) for r in audit)

    # Nothing came back since: the next sweep has nothing to do.
    again = delete_user_data(spark, [], lake, salt=SALT, reapply_completed=True, **QUIET)
    assert (again.requests, again.rows_removed) == (0, {})


def test_streaming_readers_of_bronze_keep_working_after_delete_and_purge(spark, scenario_lake, tmp_path):
    delete_user_data(spark, [ALICE], scenario_lake, salt=SALT, retain_hours=0, **QUIET)
    fresh = str(tmp_path / "more-capture")
    write_file(fresh, [body(event_id="e-new", user_id=CAROL, occurred_at=T0)], enqueued=later(T0, 60))
    run_ingest(spark, fresh, scenario_lake, **QUIET)
    assert run_normalize(spark, scenario_lake, **QUIET).rows_read == 1
    silver = scenario_lake.table(silver_spec("measurement.recorded")).read(spark)
    assert sorted(r.eventId for r in silver.collect()) == ["e-b2", "e-new"]
    assert scenario_lake.table(EVENTS).read(spark).filter(F.col("userId") == ALICE).count() == 0


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


def test_bad_arguments_name_the_argument(spark, lake):
    with pytest.raises(ValueError, match=r"user_ids\[1\] is '  ': pass non-empty user ids"):
        delete_user_data(spark, ["u-1", "  "], lake, salt=SALT, **QUIET)
    with pytest.raises(ValueError, match="salt is empty"):
        delete_user_data(spark, ["u-1"], lake, salt="", **QUIET)
