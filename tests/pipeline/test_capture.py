from datetime import datetime

from pyspark.sql import Row
from pyspark.sql import functions as F

from h3_ml.capture import read_capture_batch
from h3_ml.generate import us_locale
from h3_ml.ingest import to_bronze

from .helpers import T0, body, later, write_file


def bronze_rows(spark, root):
    rows = (
        to_bronze(read_capture_batch(spark, root))
        .drop("ingestedAt", "body", "bodyBytes")
        .orderBy("captureFile", "sequenceNumber")
    )
    return rows.collect()


def test_reads_capture_files_of_both_schema_generations_and_codecs(spark, capture_root):
    first = body(event_id="e-1", occurred_at=T0)
    newer = write_file(capture_root, [first, None], enqueued=T0, partition=1, first_seq=7)
    older = write_file(
        capture_root,
        [b"plain text, not our envelope"],
        enqueued=later(T0, 5),
        partition=3,
        codec="null",
        properties_nullable=False,
    )
    write_file(capture_root, [], enqueued=later(T0, 10), partition=2)  # header-only

    assert bronze_rows(spark, capture_root) == [
        Row(
            captureFile=newer,
            partitionId="1",
            sequenceNumber=7,
            offset="700",
            enqueuedTime=datetime(2026, 11, 26, 10, 0),
            eventId="e-1",
            eventType="measurement.recorded",
            schemaVersion=1,
            occurredAt=datetime(2026, 11, 26, 10, 0),
            userId="u-1",
            userBucket=10,
        ),
        Row(
            captureFile=newer,
            partitionId="1",
            sequenceNumber=8,
            offset=str(700 + len(first) + 64),
            enqueuedTime=datetime(2026, 11, 26, 10, 0, 0, 10000),
            eventId=None,
            eventType=None,
            schemaVersion=None,
            occurredAt=None,
            userId=None,
            userBucket=None,
        ),
        Row(
            captureFile=older,
            partitionId="3",
            sequenceNumber=0,
            offset="0",
            enqueuedTime=datetime(2026, 11, 26, 10, 5),
            eventId=None,
            eventType=None,
            schemaVersion=None,
            occurredAt=None,
            userId=None,
            userBucket=None,
        ),
    ]


def test_keeps_the_raw_body_as_text_or_as_bytes_when_not_utf8(spark, capture_root):
    write_file(capture_root, [b"plain text, not our envelope", None, b"\xc3"], enqueued=T0)
    rows = to_bronze(read_capture_batch(spark, capture_root)).orderBy("sequenceNumber").collect()
    assert [(r.body, r.bodyBytes) for r in rows] == [
        ("plain text, not our envelope", None),
        (None, None),
        (None, bytearray(b"\xc3")),
    ]


def test_enqueued_time_falls_back_to_the_us_locale_text(spark):
    df = spark.createDataFrame(
        [({}, us_locale(datetime(2022, 12, 9, 16, 51, 25))), ({}, "not a time"), ({}, None)],
        "sp map<string, struct<member0: bigint, member1: double, member2: string, member3: binary>>, t string",
    )
    from h3_ml.capture import enqueued_time

    got = [r.at for r in df.select(enqueued_time(F.col("sp"), F.col("t")).alias("at")).collect()]
    assert got == [datetime(2022, 12, 9, 16, 51, 25), None, None]


def test_partition_id_reads_the_capture_folder_layout_or_gives_null(spark):
    from h3_ml.capture import partition_id

    paths = [
        "abfss://capture@h3mldev.dfs.core.windows.net/h3-ns/events/0/2026/11/26/09/05/00.avro",
        "file:/tmp/capture/h3-ns/events/31/2026/1/2/3/4/5.avro",
        "/events/7/2026/11/26/09/05/00.avro",
        "events/7/2026/11/26/09/05/00.avro",  # nothing above the partition folder
        "7/2026/11/26/09/05/00.avro",  # too few folders
        "file:/tmp/capture/h3-ns/events/0/26/11/26/09/05/00.avro",  # a two-digit year
        "file:/tmp/capture/h3-ns/events/0/2026/11/26/09/05/x/00.avro",  # one folder too many
        None,
    ]
    df = spark.createDataFrame([(p,) for p in paths], "path string")
    got = [r.p for r in df.select(partition_id(F.col("path")).alias("p")).collect()]
    assert got == ["0", "31", "7", "7", None, None, None, None]
