"""The pipeline end to end on the table path Databricks runs, names in a catalog, and the deletion proven as
production runs it: a request event ingested like any event, the run-now for it, then the daily run after the
tables' retention has passed.

Databricks runs `Lake(catalog=...)`: three-part names, `DeltaTable.forName`, `spark.catalog.tableExists`,
`CREATE TABLE`, `VACUUM` and `SHOW TBLPROPERTIES` by name, here on Spark's session catalog with Delta's catalog.
The folder path that local runs take is walked end to end by the demo report's test (`test_demo_report.py`: the
same request event, run-now and daily run after the retention, then no file under the lake holding the user) and
by the deletion tests, which run on folders.

The retention: production tables keep rewritten files for `deletion_sla_days - 2` days (bronze and the
quarantine `unattributed_days` less). Here the lake's `file_retention` sets one second on every table through
the same `ensure` the jobs run, and the daily run's VACUUM applies it as it applies the days in production: a
VACUUM without RETAIN removes files unreferenced for longer than the table's property
(https://docs.databricks.com/sql/language-manual/delta-vacuum.html). Delta's retention check, which guards a
RETAIN below the property, is not involved and stays on.
"""

import hashlib
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from h3_ml.generate import write_deletion_request
from h3_ml.ingest import run_ingest
from h3_ml.normalize import run_normalize
from h3_ml.report import lake_report
from h3_ml.tables import AUDIT_SALT, DELETION_AUDIT, EVENTS, all_tables

from .conftest import catalog_lake
from .helpers import NOW, T0, contents, delete_run, files_holding, later, without
from .scenario import ALICE, ALICE_REMOVED, ROWS, write_scenario

QUIET = {"progress": lambda _: None}
OPS_TABLES = {"ops.deletion_audit": None, "ops.audit_salt": None, "ops.capture_files": None}
REASONS = {"missing_required_field": 1, "not_json": 3, "not_utf8": 1, "wrong_type": 1}


_LOCATIONS: dict[str, Path] = {}


def folder(spark, table) -> Path:
    """Where a table's files are: the location the catalog gave it, asked once per table (`DESCRIBE DETAIL` is a
    Spark job over the table's log, and a table keeps its location)."""
    if table.sql not in _LOCATIONS:
        location = spark.sql(f"DESCRIBE DETAIL {table.sql}").first().location
        _LOCATIONS[table.sql] = Path(location.removeprefix("file:"))
    return _LOCATIONS[table.sql]


def files_of(spark, lake) -> list[Path]:
    """Every file under every table's folder, data files referenced or not and the log, and under the streams'
    checkpoints."""
    tables = [path for table in lake.existing(spark, all_tables()) for path in folder(spark, table).rglob("*")]
    return tables + list(Path(lake.checkpoints).rglob("*"))


def versions(spark, lake) -> dict[str, int]:
    """Each table's latest version: the highest-numbered commit file in its `_delta_log`."""
    logs = {t.label: folder(spark, t) / "_delta_log" for t in lake.existing(spark, all_tables())}
    return {label: max(int(p.stem) for p in log.glob("*.json")) for label, log in logs.items()}


def test_a_request_event_is_deleted_everywhere_and_its_files_are_gone_after_the_retention(spark, tmp_path):
    lake = replace(catalog_lake(spark, tmp_path), file_retention=timedelta(seconds=1))
    capture = str(tmp_path / "capture")
    write_scenario(capture)

    ingested = run_ingest(spark, capture, lake, **QUIET)
    normalized = run_normalize(spark, lake, **QUIET)
    assert (ingested.messages_read, ingested.bronze_rows) == (12, 12)
    assert (normalized.rows_read, dict(normalized.valid), dict(normalized.quarantined)) == (
        12,
        {"user.registered": 2, "measurement.recorded": 3, "workout.completed": 1},  # a re-send counted once more
        REASONS,
    )
    report = lake_report(spark, lake)
    assert {k: t["rows"] for k, t in report["tables"].items()} == {**ROWS, **OPS_TABLES}
    assert report["tables"]["bronze.events"]["location"] == lake.table(EVENTS).name
    assert report["quarantine_by_reason"] == REASONS
    properties = lake.table(EVENTS).properties(spark)
    assert (properties["delta.enableDeletionVectors"], properties["h3_ml.deletionVectorsPurged"]) == ("false", "true")

    before = contents(spark, lake)
    assert files_holding(files_of(spark, lake), ALICE)  # the check can fail: the data is there first
    # The request as the backend sends it: an event through Capture and ingest, like any other.
    write_deletion_request(capture, ALICE, request_id="req-1", at=later(T0, 30))
    assert run_ingest(spark, capture, lake, **QUIET).messages_read == 1
    started = time.monotonic()
    summary = delete_run(spark, lake, request_id="req-1", capture_root=capture)
    elapsed = time.monotonic() - started

    removed = {**ALICE_REMOVED, EVENTS.key: ALICE_REMOVED[EVENTS.key] + 1}  # the request's own row holds her id
    assert summary.rows_removed == removed
    assert summary.request == {
        "requestId": "req-1",
        "source": "event",
        "requestedAt": later(T0, 30).replace(tzinfo=None),
        "completedAt": NOW.replace(tzinfo=None),
        "rowsRemoved": removed,
    }
    assert 0 < summary.seconds_to_completed_audit <= elapsed
    assert contents(spark, lake) == without(before, ALICE)
    # The rewritten files still hold her rows until a VACUUM after the retention: the run-now leaves that to the
    # daily run.
    assert files_holding(files_of(spark, lake), ALICE)
    # Normalize's next hourly run reads the request's append, and drops the row the deletion removed since.
    assert run_normalize(spark, lake, **QUIET).rows_read == 0

    time.sleep(1.5)
    daily = delete_run(spark, lake, at=NOW + timedelta(hours=1), capture_root=capture)
    assert (daily.requests, set(daily.rows_removed.values())) == (0, {0})
    assert sorted(daily.vacuumed) == sorted(spec.key for spec in all_tables())
    assert files_holding(files_of(spark, lake), ALICE) == []

    (salt,) = [r.salt for r in lake.table(AUDIT_SALT).read(spark).collect()]
    audit = lake.table(DELETION_AUDIT).read(spark).collect()
    assert [(r.requestId, r.userHash, r.source, r.rowsRemoved, r.saltVersion) for r in audit] == [
        ("req-1", hashlib.sha256(f"{salt}:{ALICE}".encode()).hexdigest(), "event", removed, 1)
    ]
    rows = {k: ROWS[k] - ALICE_REMOVED[k] for k in ROWS}
    report = {k: t["rows"] for k, t in lake_report(spark, lake)["tables"].items() if k != "ops.capture_files"}
    assert report == {**rows, "ops.deletion_audit": 1, "ops.audit_salt": 1}

    # The same request again is a no-op that reads no row and commits nothing: nothing was added since the last
    # run, and every stream carries on from its checkpoint.
    rows, history = contents(spark, lake), versions(spark, lake)
    again = delete_run(spark, lake, request_id="req-1", at=NOW + timedelta(hours=2))
    assert (again.scanned, again.requests, again.request) == (0, 0, summary.request)
    assert set(again.rows_removed.values()) == {0}
    assert (versions(spark, lake), contents(spark, lake)) == (history, rows)
    assert run_ingest(spark, capture, lake, **QUIET).messages_read == 0
    assert run_normalize(spark, lake, **QUIET).rows_read == 0
