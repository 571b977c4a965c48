from datetime import datetime

import pytest

from h3_ml import faults as fp
from h3_ml.faults import Faults
from h3_ml.ingest import run_ingest
from h3_ml.lake import Lake
from h3_ml.tables import EVENTS

from .helpers import T0, body, bronze_frame, later, write_file
from .scenario import ALICE

QUIET = {"progress": lambda _: None}


def three_files(capture_root):
    for i in range(3):
        write_file(
            capture_root,
            [body(event_id=f"e-{i}-a", occurred_at=T0), None],
            enqueued=later(T0, 5 * i),
            first_seq=2 * i,
        )


def bronze_keys(spark, lake):
    rows = lake.table(EVENTS).read(spark).select("sequenceNumber", "eventId").orderBy("sequenceNumber")
    return [tuple(r) for r in rows.collect()]


EXPECTED = [(0, "e-0-a"), (1, None), (2, "e-1-a"), (3, None), (4, "e-2-a"), (5, None)]


@pytest.mark.parametrize("point", [fp.INGEST_BEFORE_WRITE, fp.INGEST_AFTER_WRITE])
def test_a_crash_inside_a_batch_then_a_rerun_loses_and_duplicates_nothing(spark, lake, capture_root, point):
    three_files(capture_root)
    with pytest.raises(Exception, match=f"injected crash at {point} in batch 1"):
        run_ingest(spark, capture_root, lake, max_files_per_trigger=1, faults=Faults(crash_at={(point, 1)}), **QUIET)
    committed = EXPECTED[:4] if point == fp.INGEST_AFTER_WRITE else EXPECTED[:2]
    assert bronze_keys(spark, lake) == committed

    rerun = run_ingest(spark, capture_root, lake, max_files_per_trigger=1, **QUIET)
    assert rerun.bronze_rows == 6
    assert bronze_keys(spark, lake) == EXPECTED
    assert run_ingest(spark, capture_root, lake, **QUIET).messages_read == 0


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
