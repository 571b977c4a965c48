"""Event Hubs Capture: the `EventData` Avro schema and the one reader that differs between Databricks and local.

Capture writes `{Namespace}/{EventHub}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}/{Second}.avro`.
Newer files declare `null` in the `Properties` value union and older ones do not, so every read goes through
the reader schema below, which accepts both (Avro schema resolution widens the older union).
"""

from __future__ import annotations

import json

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

_PROPERTY_VALUE = ["long", "double", "string", "bytes"]

EVENT_DATA_FIELDS = [
    {"name": "SequenceNumber", "type": "long"},
    {"name": "Offset", "type": "string"},
    {"name": "EnqueuedTimeUtc", "type": "string"},
    {"name": "SystemProperties", "type": {"type": "map", "values": _PROPERTY_VALUE}},
    {"name": "Properties", "type": {"type": "map", "values": [*_PROPERTY_VALUE, "null"]}},
    {"name": "Body", "type": ["null", "bytes"]},
]


def event_data_schema(*, properties_nullable: bool = True) -> dict:
    """Capture's `EventData` schema; `properties_nullable=False` is the older variant without `null`."""
    fields = json.loads(json.dumps(EVENT_DATA_FIELDS))
    if not properties_nullable:
        fields[4]["type"]["values"] = list(_PROPERTY_VALUE)
    return {
        "type": "record",
        "name": "EventData",
        "namespace": "Microsoft.ServiceBus.Messaging",
        "fields": fields,
    }


READER_SCHEMA_JSON = json.dumps(event_data_schema(properties_nullable=True))

# What spark-avro makes of the reader schema: a union of several types becomes a struct of `member0..3`
# (only one member is set per value), a union with null becomes nullable.
_UNION = T.StructType(
    [
        T.StructField("member0", T.LongType()),
        T.StructField("member1", T.DoubleType()),
        T.StructField("member2", T.StringType()),
        T.StructField("member3", T.BinaryType()),
    ]
)
EVENT_DATA_SPARK_SCHEMA = T.StructType(
    [
        T.StructField("SequenceNumber", T.LongType(), nullable=False),
        T.StructField("Offset", T.StringType(), nullable=False),
        T.StructField("EnqueuedTimeUtc", T.StringType(), nullable=False),
        T.StructField("SystemProperties", T.MapType(T.StringType(), _UNION, valueContainsNull=False)),
        T.StructField("Properties", T.MapType(T.StringType(), _UNION, valueContainsNull=True)),
        T.StructField("Body", T.BinaryType()),
    ]
)

_AVRO_OPTIONS = {
    "avroSchema": READER_SCHEMA_JSON,
    # Capture nests files nine folders deep; partition discovery would misread `2022=...`-less folders.
    "recursiveFileLookup": "true",
    "pathGlobFilter": "*.avro",
}


def read_capture_stream(
    spark: SparkSession,
    capture_root: str,
    *,
    auto_loader: bool,
    max_files_per_trigger: int | None = None,
) -> DataFrame:
    """Streams every Capture record under `capture_root`, with the source file path as `captureFile`.

    The single place where Databricks and local runs differ: Auto Loader (`cloudFiles`) scales file discovery
    on ADLS; locally Spark's file stream source does the same job with the same options and checkpoint
    semantics.
    """
    reader = spark.readStream
    if auto_loader:
        reader = reader.format("cloudFiles").option("cloudFiles.format", "avro")
        if max_files_per_trigger:
            reader = reader.option("cloudFiles.maxFilesPerTrigger", str(max_files_per_trigger))
    else:
        reader = reader.format("avro")
        if max_files_per_trigger:
            reader = reader.option("maxFilesPerTrigger", str(max_files_per_trigger))
    raw = reader.schema(EVENT_DATA_SPARK_SCHEMA).options(**_AVRO_OPTIONS).load(capture_root)
    return raw.select("*", F.col("_metadata.file_path").alias("captureFile"))


def read_capture_batch(spark: SparkSession, capture_root: str | list[str]) -> DataFrame:
    """The same records as a batch read, of every file under a folder or of the files listed."""
    raw = spark.read.format("avro").options(**_AVRO_OPTIONS).load(capture_root)
    return raw.select("*", F.col("_metadata.file_path").alias("captureFile"))


# `{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}/{Second}.avro`: the last seven segments of the path.
_PARTITION_FROM_TAIL = r"^([^/]+)/\d{4}/\d{1,2}/\d{1,2}/\d{1,2}/\d{1,2}/[^/]+$"


def partition_id(capture_file: Column) -> Column:
    """The Event Hubs partition, which Capture records only in the folder layout; null for another layout.

    The pattern is matched against the path's last seven segments, anchored at both ends: unanchored on the
    whole path, the regular expression is tried at every position and cost ingest 1 s per 1M events.
    """
    tail = F.substring_index(capture_file, "/", -7)
    found = F.regexp_extract(tail, _PARTITION_FROM_TAIL, 1)
    return F.when((found != "") & (F.length(tail) < F.length(capture_file)), found)


def enqueued_time(system_properties: Column, enqueued_time_utc: Column) -> Column:
    """Epoch milliseconds from `x-opt-enqueued-time`; the US-locale `EnqueuedTimeUtc` text only as fallback."""
    millis = system_properties.getItem("x-opt-enqueued-time").getField("member0")
    text = F.try_to_timestamp(enqueued_time_utc, F.lit("M/d/yyyy h:mm:ss a"))
    return F.coalesce(F.timestamp_millis(millis), text)
