import shutil
from datetime import datetime

from pyspark.sql import functions as F

from h3_ml.ingest import run_ingest
from h3_ml.lake import Lake
from h3_ml.tables import EVENTS

from .helpers import T0, body, bronze_frame, delete_run, later, request_deletion, write_file
from .scenario import ALICE, BOB, CAROL

ONE_FILE = {"max_files_per_trigger": 1, "progress": lambda _: None}


def lineage(spark, bronze) -> list[tuple[str, int, str]]:
    """Each bronze row's message (Capture file name, sequence number) and user, in that order."""
    rows = bronze.read(spark).select(
        F.element_at(F.split("captureFile", "/"), -1).alias("f"), "sequenceNumber", "userId"
    )
    return sorted((r.f, r.sequenceNumber, r.userId) for r in rows.collect())


def test_bronze_keeps_backend_resends(spark, built_lake):
    lake = Lake.local(str(built_lake / "lake"))
    rows = lake.table(EVENTS).read(spark).filter("eventId = 'e-a2'").select("partitionId", "userId")
    assert sorted(tuple(r) for r in rows.collect()) == [("0", ALICE), ("1", ALICE)]


def test_bronze_tables_carry_explicit_delta_properties(spark, built_lake):
    lake = Lake.local(str(built_lake / "lake"))
    detail = lake.table(EVENTS).delta(spark).detail().first()
    assert {k: v for k, v in detail.properties.items() if k.startswith("delta.")} == {
        "delta.enableDeletionVectors": "false",
        "delta.enableChangeDataFeed": "false",
        # Less the days that rows naming no user wait before they are deleted (unattributed_days).
        "delta.deletedFileRetentionDuration": "interval 21 days",
        "delta.logRetentionDuration": "interval 21 days",
        "delta.dataSkippingStatsColumns": "partitionId,sequenceNumber,enqueuedTime,ingestedAt",
    }
    assert (detail.properties["h3_ml.deletionVectorsPurged"], detail.properties["h3_ml.userBuckets"]) == ("true", "16")
    assert "deletionVectors" not in detail.tableFeatures


def test_bronze_reads_the_envelope_leniently_and_keeps_every_row(spark):
    bodies = [
        b'{"eventId":"e-1","schemaVersion":1,"userId":"u-1","occurredAt":"2026-11-26T10:00:00Z"}',
        b"not json",
        b'{"eventId":"e-3","schemaVersion":"x","userId":"u-3"}',  # one field of another type: only it is null
        b'{"eventId":"e-4","schemaVersion":1.5,"userId":"u-4","payload":{"a":[1,{"b":null}]}}',
        b'{"userId":"u-5","userId":"u-6"}',
        b"[1,2]",
        b'{"eventId":{"x":1},"userId":7}',
        None,
        # Text after the message, or two messages run together: no single JSON value, so no user is named (the
        # row is found by its body on request and expires otherwise) rather than the first message's user.
        b'{"eventId":"e-9","userId":"u-9"} trailing',
        b'{"eventId":"e-10","userId":"u-10"}{"eventId":"e-11","userId":"u-11"}',
        b'{"eventId":"e-12","userId":"u-12"}\n',
    ]
    rows = bronze_frame(spark, bodies).select("eventId", "schemaVersion", "userId", "occurredAt").collect()
    assert [tuple(r) for r in rows] == [
        ("e-1", 1, "u-1", datetime(2026, 11, 26, 10, 0)),
        (None, None, None, None),
        ("e-3", None, "u-3", None),
        ("e-4", None, "u-4", None),
        (None, None, "u-6", None),
        (None, None, None, None),
        ('{"x":1}', None, "7", None),
        (None, None, None, None),
        (None, None, None, None),
        (None, None, None, None),
        ("e-12", None, "u-12", None),
    ]


def test_a_body_that_is_not_utf8_keeps_its_bytes_and_its_user_id(spark):
    """Parquet strings must be UTF-8; the exact bytes go to `bodyBytes` and the envelope still parses around
    the bad byte, so deletion finds the user's row."""
    latin1 = b'{"eventId":"e-1","userId":"u-1","payload":{"note":"caf\xe9"}}'
    bodies = [latin1, b"\xff\xfe", "caf\u00e9".encode(), b"", None]
    rows = bronze_frame(spark, bodies).select("body", "bodyBytes", "eventId", "userId").collect()
    assert [(r.body, None if r.bodyBytes is None else bytes(r.bodyBytes), r.eventId, r.userId) for r in rows] == [
        (None, latin1, "e-1", "u-1"),
        (None, b"\xff\xfe", None, None),
        ("caf\u00e9", None, None, None),
        ("", None, None, None),
        (None, None, None, None),
    ]


def test_a_lost_checkpoint_re_ingests_nothing_bronze_holds(spark, any_lake, capture_root):
    for minute, users in ((0, (BOB, CAROL)), (1, (BOB, ALICE))):
        bodies = [body(event_id=f"e-{minute}-{u}", user_id=u, occurred_at=T0) for u in users]
        write_file(capture_root, bodies, enqueued=later(T0, minute), partition=minute, first_seq=10 * minute)
    run_ingest(spark, capture_root, any_lake, **ONE_FILE)
    request_deletion(spark, any_lake, BOB, "req-b")
    delete_run(spark, any_lake, request_id="req-b")
    bronze = any_lake.table(EVENTS)
    held = lineage(spark, bronze)
    assert [u for _, _, u in held] == [CAROL, ALICE]

    # The checkpoint volume is lost (a dev stack destroyed and brought up again): the stream reads every Capture
    # file again, and bronze gains only what it does not hold, Bob's messages, which the deletion removed.
    shutil.rmtree(any_lake.checkpoint("ingest"))
    again = run_ingest(spark, capture_root, any_lake, **ONE_FILE)
    assert (again.messages_read, again.bronze_rows) == (4, 4)
    assert lineage(spark, bronze) == sorted([*held, ("00.avro", 0, BOB), ("00.avro", 10, BOB)])
    assert run_ingest(spark, capture_root, any_lake, **ONE_FILE).messages_read == 0
    # Raw retention still holds a deleted user's messages: they came back as new rows, which the next delete run
    # reads and deletes again like any late row (test_deletion.py, the late-rows test).
