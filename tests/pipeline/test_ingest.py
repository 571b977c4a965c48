from datetime import datetime

from h3_ml.lake import Lake
from h3_ml.tables import EVENTS

from .helpers import bronze_frame
from .scenario import ALICE


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
        "delta.deletedFileRetentionDuration": "interval 28 days",
        "delta.logRetentionDuration": "interval 28 days",
        "delta.dataSkippingStatsColumns": "partitionId,sequenceNumber,enqueuedTime,ingestedAt",
    }
    assert detail.properties["h3_ml.deletionVectorsPurged"] == "true"
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
        b'{"eventId":"e-9","userId":"u-9"} trailing',  # normalize quarantines it; bronze keeps what parsed
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
        ("e-9", None, "u-9", None),
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
