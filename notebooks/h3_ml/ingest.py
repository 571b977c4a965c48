"""Ingest: Event Hubs Capture Avro -> bronze `events`, exactly once.

The stream's checkpoint records which files each micro-batch covers; the Delta write inside `foreachBatch`
carries (`txnAppId`, `txnVersion` = batch id), so a batch replayed after a crash between the Delta commit and
the checkpoint commit is skipped by Delta instead of appended twice. A lost checkpoint (a dev stack destroyed and
brought up again, a deleted volume folder) starts a new query id, whose stream reads every Capture file still
within raw retention: until that query has finished a run, each batch drops the messages bronze already holds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQuery

from h3_ml import faults as fp
from h3_ml.capture import enqueued_time, partition_id, read_capture_stream
from h3_ml.faults import NO_FAULTS, Faults
from h3_ml.lake import Lake
from h3_ml.layout import clustered_by_bucket
from h3_ml.tables import BUCKET, EVENTS, user_bucket


@dataclass(frozen=True)
class IngestSummary:
    batches: int
    messages_read: int
    bronze_rows: int


# The envelope fields bronze keeps, read leniently: a field of another JSON type, or a body that is not JSON,
# leaves the field null and the row in bronze. Normalize validates the body strictly.
_ENVELOPE = "eventId string, eventType string, schemaVersion bigint, occurredAt string, userId string"
_PARSED = "_envelope"


def to_bronze(capture: DataFrame) -> DataFrame:
    """Capture records (with `captureFile`) -> bronze rows: lineage, raw body, envelope fields parsed."""
    # One `from_json` into just the envelope's fields: parsing the whole body into a VARIANT (to read five fields
    # from it) took twice as long on 1M events (bench/pipeline.py), and a parse per field seven times as long.
    text = "_body_text"  # Spark resolves names case-insensitively: `body` would clash with `Body`
    valid = "_body_valid"
    decoded = capture.select("*", F.col("Body").cast("string").alias(text)).withColumn(
        valid, F.is_valid_utf8(F.col(text))
    )
    # Parsed from the text with invalid bytes replaced (U+FFFD): a message that is not valid UTF-8 still gets the
    # userId it carries, so deletion finds it. Parsed as the value of a wrapping object: `from_json` ignores text
    # after the first JSON value, so two messages run together would otherwise be filed under the first one's
    # user; wrapped, they are no valid JSON, and the row names no user (deletion finds it by its body, and it
    # expires after `unattributed_days`).
    wrapped = F.concat(F.lit('{"v":'), F.make_valid_utf8(F.col(text)), F.lit("}"))
    parsed = decoded.select("*", F.from_json(wrapped, f"v struct<{_ENVELOPE}>").v.alias(_PARSED))
    v = F.col(_PARSED)
    return parsed.select(
        F.col("captureFile"),
        partition_id(F.col("captureFile")).alias("partitionId"),
        F.col("SequenceNumber").alias("sequenceNumber"),
        F.col("Offset").alias("offset"),
        enqueued_time(F.col("SystemProperties"), F.col("EnqueuedTimeUtc")).alias("enqueuedTime"),
        F.when(F.col(valid), F.col(text)).alias("body"),
        F.when(~F.col(valid), F.col("Body")).alias("bodyBytes"),
        v.eventId.alias("eventId"),
        v.eventType.alias("eventType"),
        v.schemaVersion.alias("schemaVersion"),
        F.try_to_timestamp(v.occurredAt).alias("occurredAt"),
        v.userId.alias("userId"),
        F.current_timestamp().alias("ingestedAt"),
        user_bucket(v.userId).alias(BUCKET),
    )


def run_ingest(
    spark: SparkSession,
    capture_root: str,
    lake: Lake,
    *,
    auto_loader: bool = False,
    max_files_per_trigger: int | None = None,
    faults: Faults = NO_FAULTS,
    progress: Callable[[str], None] = print,
) -> IngestSummary:
    bronze = lake.table(EVENTS).ensure(spark, lake)
    checkpoint = lake.checkpoint("ingest")
    # The query id lives in the checkpoint and changes only if the checkpoint is reset, which is exactly when
    # Delta must stop treating batch ids as already written. A batch can start before `start()` returns.
    started: dict[str, StreamingQuery] = {}
    known = threading.Event()
    # A checkpoint that never finished a run (a new one, after the old one was lost) makes the stream read every
    # Capture file still in the container: each batch then drops the messages bronze already holds.
    recovering = not _caught_up(spark, checkpoint) and bool(bronze.read(spark).limit(1).count())
    if recovering:
        progress("ingest: the checkpoint has not completed a run and bronze has rows: skipping messages it holds")

    def write(batch: DataFrame, batch_id: int) -> None:
        known.wait()
        app_id = f"h3_ml.ingest:{started['query'].id}"
        faults.check(fp.INGEST_BEFORE_WRITE, batch_id)
        # One file per bucket. A batch Spark reads as one partition (an hourly batch of Capture files) is written
        # by one task already, without a shuffle; a larger one is spread over as many tasks as Spark split it
        # into. (`rdd` needs dedicated access mode, which the job cluster policy fixes for every job cluster.)
        tasks = batch.rdd.getNumPartitions()
        if recovering:
            held = bronze.read(spark).select(*_MESSAGE_KEY)
            rows = clustered_by_bucket(batch.join(held, list(_MESSAGE_KEY), "left_anti"), max(tasks, 1))
        else:
            rows = batch if tasks <= 1 else clustered_by_bucket(batch, tasks)
        bronze.append(rows, txnAppId=app_id, txnVersion=str(batch_id))
        faults.check(fp.INGEST_AFTER_WRITE, batch_id)

    stream = read_capture_stream(
        spark, capture_root, auto_loader=auto_loader, max_files_per_trigger=max_files_per_trigger
    )
    query = (
        to_bronze(stream)
        .writeStream.queryName("h3_ml_ingest")
        .foreachBatch(write)
        .option("checkpointLocation", checkpoint)
        .trigger(availableNow=True)
        .start()
    )
    started["query"] = query
    known.set()
    batches, read = await_available_now(query, "ingest", progress)
    _mark_caught_up(spark, checkpoint)
    return IngestSummary(batches=batches, messages_read=read, bronze_rows=bronze.read(spark).count())


# A message's identity: its Capture file and its sequence number in the partition that file belongs to.
_MESSAGE_KEY = ("captureFile", "sequenceNumber")
# Written into the checkpoint folder once a run over it has finished, so it goes when the checkpoint goes.
_CAUGHT_UP = "h3_ml_caught_up"


def _marker(spark: SparkSession, checkpoint: str):
    """The marker's path and file system, through Hadoop as Spark reaches the checkpoint (a volume on Databricks)."""
    path = spark._jvm.org.apache.hadoop.fs.Path(f"{checkpoint.rstrip('/')}/{_CAUGHT_UP}")
    return path, path.getFileSystem(spark._jsc.hadoopConfiguration())


def _caught_up(spark: SparkSession, checkpoint: str) -> bool:
    path, fs = _marker(spark, checkpoint)
    return fs.exists(path)


def _mark_caught_up(spark: SparkSession, checkpoint: str) -> None:
    path, fs = _marker(spark, checkpoint)
    if not fs.exists(path):
        fs.create(path, True).close()


def await_available_now(query: StreamingQuery, job: str, progress: Callable[[str], None]) -> tuple[int, int]:
    """Waits for an availableNow query, reporting each micro-batch; returns (batches, source rows) with data."""
    seen: dict[int, int] = {}

    def report() -> None:
        for p in query.recentProgress:
            if p.batchId not in seen and p.numInputRows:
                seen[p.batchId] = p.numInputRows
                progress(f"{job}: batch {p.batchId} done")

    while not query.awaitTermination(2):
        report()
    report()
    return len(seen), sum(seen.values())
