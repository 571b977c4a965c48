"""The pipeline end to end on both table paths: folders (local runs) and names in a catalog (Databricks).

Databricks runs `Lake(catalog=...)`: three-part names, `DeltaTable.forName`, `spark.catalog.tableExists`,
`CREATE TABLE`, `VACUUM` and `SHOW TBLPROPERTIES` by name. `any_lake` runs every test here on Spark's session
catalog with Delta's catalog as well as on folders, with the same assertions.
"""

import hashlib
import time
from pathlib import Path

from h3_ml.deletion import delete_user_data
from h3_ml.ingest import run_ingest
from h3_ml.normalize import run_normalize
from h3_ml.report import lake_report
from h3_ml.tables import DELETION_AUDIT, EVENTS, all_tables

from .helpers import contents, files_holding
from .scenario import ALICE, ALICE_REMOVED, ROWS, write_scenario

QUIET = {"progress": lambda _: None}
SALT = "test-salt"


def folder(spark, table) -> Path:
    """Where a table's files are: its path, or the location the catalog gave it."""
    location = table.path or spark.sql(f"DESCRIBE DETAIL {table.sql}").first().location
    return Path(location.removeprefix("file:"))


def files_under_tables(spark, lake) -> list[Path]:
    """Every file under every table's folder, data files referenced or not, and the log."""
    return [path for table in lake.existing(spark, all_tables()) for path in folder(spark, table).rglob("*")]


def test_ingest_normalize_delete_with_audit_and_report(spark, any_lake, tmp_path):
    lake = any_lake
    capture = str(tmp_path / "capture")
    write_scenario(capture)

    ingested = run_ingest(spark, capture, lake, **QUIET)
    normalized = run_normalize(spark, lake, **QUIET)
    assert (ingested.messages_read, ingested.bronze_rows) == (9, 9)
    assert (normalized.rows_read, dict(normalized.valid), dict(normalized.quarantined)) == (
        9,
        {"user.registered": 2, "measurement.recorded": 3, "workout.completed": 1},  # a re-send counted once more
        {"not_json": 2, "wrong_type": 1},
    )
    report = lake_report(spark, lake)
    assert {k: t["rows"] for k, t in report["tables"].items()} == {**ROWS, "ops.deletion_audit": None}
    assert report["tables"]["bronze.events"]["location"] == (lake.table(EVENTS).path or lake.table(EVENTS).name)
    assert report["quarantine_by_reason"] == {"not_json": 2, "wrong_type": 1}
    properties = lake.table(EVENTS).properties(spark)
    assert (properties["delta.enableDeletionVectors"], properties["h3_ml.deletionVectorsPurged"]) == ("false", "true")

    before = contents(spark, lake)
    assert files_holding(files_under_tables(spark, lake), ALICE)  # the check can fail: the data is there first
    started = time.monotonic()
    summary = delete_user_data(spark, [ALICE], lake, salt=SALT, request_id="req-1", retain_hours=0, **QUIET)
    elapsed = time.monotonic() - started

    assert summary.rows_removed == ALICE_REMOVED
    # Measured up to the audit's completion, before the closing VACUUM: inside the run, never its whole length.
    assert 0 < summary.seconds_to_completed_audit < elapsed
    assert contents(spark, lake) == {k: [j for j in rows if ALICE not in j] for k, rows in before.items()}
    assert files_holding(files_under_tables(spark, lake), ALICE) == []
    audit = lake.table(DELETION_AUDIT).read(spark).collect()
    assert [(r.requestId, r.userHash, r.source, r.rowsRemoved) for r in audit] == [
        ("req-1", hashlib.sha256(f"{SALT}:{ALICE}".encode()).hexdigest(), "parameter", ALICE_REMOVED)
    ]
    assert audit[0].requestedAt <= audit[0].completedAt
    rows = {k: ROWS[k] - ALICE_REMOVED[k] for k in ROWS}
    assert {k: t["rows"] for k, t in lake_report(spark, lake)["tables"].items()} == {**rows, "ops.deletion_audit": 1}

    # The same request again is a no-op; the streams carry on from their checkpoints.
    again = delete_user_data(spark, [ALICE], lake, salt=SALT, request_id="req-1", **QUIET)
    assert (again.already_completed, again.rows_removed) == (1, {})
    assert run_ingest(spark, capture, lake, **QUIET).messages_read == 0
    assert run_normalize(spark, lake, **QUIET).rows_read == 0
