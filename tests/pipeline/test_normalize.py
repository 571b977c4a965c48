from datetime import datetime

import pytest

from h3_ml import faults as fp
from h3_ml.faults import Faults, InjectedCrash
from h3_ml.ingest import run_ingest
from h3_ml.normalize import run_normalize, to_quarantine, to_silver, with_validation
from h3_ml.tables import QUARANTINE, silver_spec

from .helpers import T0, body, bronze_frame, later, write_file
from .scenario import ALICE, ALICE_DAMAGED, BOB, CAROL, WRONG_TYPE_BODY

QUIET = {"progress": lambda _: None}


def reasons(spark, bodies):
    checked = with_validation(bronze_frame(spark, bodies))
    rows = to_quarantine(checked).orderBy("sequenceNumber").select("sequenceNumber", "reason", "reasonDetail")
    return [tuple(r) for r in rows.collect()]


def test_every_quarantine_reason_names_the_field(spark):
    ok = {"metric": "weight", "value": 70.5, "unit": "kg"}
    bodies = [
        None,
        b"not json",
        b"[1, 2]",
        body(event_id="e-1", occurred_at=T0, payload={"metric": "weight", "unit": "kg"}),
        body(event_id="e-2", occurred_at=T0, payload={"metric": "weight", "value": "heavy", "unit": "kg"}),
        body("measurement.deleted", ok, event_id="e-3", occurred_at=T0),
        body(event_id="e-4", occurred_at=T0, version=7),
        body(event_id="e-5", occurred_at=T0, user_id=None),
        b'{"eventId": "e-6", "eventType": "measurement.recorded", "schemaVersion": 1, "occurredAt": "yesterday",'
        b' "userId": "u-1", "payload": {"metric": "weight", "value": 70.5, "unit": "kg"}}',
        b'{"eventId": 7, "eventType": "measurement.recorded", "schemaVersion": 1}',
        body(event_id="e-8", occurred_at=T0, payload=ok),
        body(event_id="e-9", occurred_at=T0).replace(b'"kg"', b'"k\xe9"'),  # Latin-1, not UTF-8
    ]
    assert reasons(spark, bodies) == [
        (0, "not_json", "body is empty"),
        (1, "not_json", "body is not valid JSON"),
        (2, "not_json", "body is JSON but not an object"),
        (3, "missing_required_field", "payload.value is missing"),
        (4, "wrong_type", "payload.value must be double, got STRING"),
        (5, "unknown_event_type", "eventType measurement.deleted is not registered"),
        (6, "unknown_schema_version", "schemaVersion 7 of measurement.recorded is not registered"),
        (7, "missing_required_field", "userId is missing"),
        (8, "wrong_type", "occurredAt must be timestamp, got STRING"),
        (9, "wrong_type", "eventId must be string, got BIGINT"),
        (11, "not_utf8", "body is not valid UTF-8"),
    ]


def test_registry_versions_map_to_one_typed_table(spark):
    bodies = [
        body("user.registered", {"country": "NL", "birthYear": 1990}, event_id="e-1", user_id="u-1", occurred_at=T0),
        body(
            "user.registered",
            {"country": "DE", "locale": "de-DE", "birthYear": None},
            event_id="e-2",
            user_id="u-2",
            occurred_at=T0,
            version=2,
        ),
        # v1 has no locale: a stray field is not picked up.
        body("user.registered", {"country": "FR", "locale": "fr"}, event_id="e-3", user_id="u-3", occurred_at=T0),
        # v2 requires locale.
        body("user.registered", {"country": "FR"}, event_id="e-4", user_id="u-4", occurred_at=T0, version=2),
    ]
    checked = with_validation(bronze_frame(spark, bodies))
    got = (
        to_silver(checked, "user.registered")
        .orderBy("eventId")
        .select("eventId", "userId", "schemaVersion", "occurredAt", "country", "birthYear", "locale")
    )
    at = datetime(2026, 11, 26, 10, 0)
    assert [tuple(r) for r in got.collect()] == [
        ("e-1", "u-1", 1, at, "NL", 1990, None),
        ("e-2", "u-2", 2, at, "DE", None, "de-DE"),
        ("e-3", "u-3", 1, at, "FR", None, None),
    ]
    assert [tuple(r) for r in to_quarantine(checked).select("eventId", "reason", "reasonDetail").collect()] == [
        ("e-4", "missing_required_field", "payload.locale is missing")
    ]


def test_duplicates_keep_the_first_enqueued_copy(spark):
    first = bronze_frame(spark, [body(event_id="e-1", occurred_at=T0)], enqueued=later(T0, 1), partition="3")
    resent = bronze_frame(spark, [None, body(event_id="e-1", occurred_at=T0)], enqueued=later(T0, 9), partition="1")
    checked = with_validation(resent.unionByName(first))
    rows = to_silver(checked, "measurement.recorded").select("eventId", "partitionId", "metric", "value").collect()
    assert [tuple(r) for r in rows] == [("e-1", "3", "weight", 71.5)]


def silver_rows(spark, lake, event_type, *columns):
    df = lake.table(silver_spec(event_type)).read(spark)
    return sorted(tuple(r) for r in df.select(*columns).collect())


def test_normalize_writes_typed_silver_and_quarantine(spark, built_lake):
    from h3_ml.lake import Lake

    lake = Lake.local(str(built_lake / "lake"))
    assert silver_rows(spark, lake, "user.registered", "eventId", "userId", "country", "birthYear", "locale") == [
        ("e-a1", ALICE, "NL", 1990, None),
        ("e-b1", BOB, "DE", None, "de-DE"),
    ]
    assert silver_rows(spark, lake, "measurement.recorded", "eventId", "userId", "partitionId", "value") == [
        ("e-a2", ALICE, "0", 71.5),
        ("e-b2", BOB, "0", 1200.0),
    ]
    assert silver_rows(
        spark, lake, "workout.completed", "userId", "occurredAt", "startedAt", "durationSeconds", "distanceMeters"
    ) == [(CAROL, datetime(2026, 11, 26, 9, 30), datetime(2026, 11, 26, 9, 0), 1800, None)]
    q = lake.table(QUARANTINE).read(spark).select("partitionId", "sequenceNumber", "userId", "reason", "body")
    assert sorted(tuple(r) for r in q.collect()) == [
        ("0", 4, None, "not_json", None),
        ("1", 1, None, "not_json", "oops"),
        ("1", 3, ALICE, "wrong_type", WRONG_TYPE_BODY.decode()),
        # Alice's damaged bodies: no user parses from them, so they name none.
        ("1", 4, None, "not_json", ALICE_DAMAGED[0].decode()),
        ("1", 5, None, "missing_required_field", ALICE_DAMAGED[1].decode()),
        ("1", 6, None, "not_utf8", None),
    ]


def test_incremental_normalize_reads_only_new_rows_and_lands_late_events(spark, lake, capture_root):
    write_file(capture_root, [body(event_id="e-1", occurred_at=T0), b"bad"], enqueued=later(T0, 10), partition=0)
    run_ingest(spark, capture_root, lake, **QUIET)
    first = run_normalize(spark, lake, **QUIET)
    # A later file from another partition that was enqueued earlier: an older event and an earlier copy of e-1.
    write_file(
        capture_root,
        [body(event_id="e-0", occurred_at=later(T0, -600)), body(event_id="e-1", occurred_at=T0)],
        enqueued=later(T0, 2),
        partition=2,
    )
    run_ingest(spark, capture_root, lake, **QUIET)
    second = run_normalize(spark, lake, **QUIET)
    third = run_normalize(spark, lake, **QUIET)

    assert (first.rows_read, second.rows_read, third.rows_read) == (2, 2, 0)
    assert silver_rows(spark, lake, "measurement.recorded", "eventId", "occurredAt", "partitionId") == [
        ("e-0", datetime(2026, 11, 26, 0, 0), "2"),
        ("e-1", datetime(2026, 11, 26, 10, 0), "2"),
    ]
    assert lake.table(QUARANTINE).read(spark).count() == 1


def test_normalize_without_bronze_says_to_ingest_first(spark, lake):
    with pytest.raises(FileNotFoundError, match=r"no bronze table bronze\.events at .*: run ingest first"):
        run_normalize(spark, lake, **QUIET)


def test_injected_crash_is_its_own_type():
    with pytest.raises(InjectedCrash, match=r"ingest\.before_write in batch 2"):
        Faults(crash_at={(fp.INGEST_BEFORE_WRITE, 2)}).check(fp.INGEST_BEFORE_WRITE, 2)
    with pytest.raises(ValueError, match=r"unknown fault point\(s\) \['nowhere'\]"):
        Faults(crash_at={("nowhere", 0)})
