"""Every table the pipeline writes, in one registry: its columns, whether and where it holds user data,
and which columns Delta may keep statistics on.

Deletion walks this list, and a test fails if the pipeline writes a table missing from it, so a new table
cannot escape deletion.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql import types as T

from h3_ml import registry

# Every user table is partitioned by a hash bucket of the user id, so deleting a user reads and rewrites only the
# files of one bucket in each table (docs/pipeline.md, "The bucket layout"). Changing the count means rewriting
# every user table: rows would move to other buckets.
USER_BUCKETS = 16
BUCKET = "userBucket"
BUCKET_FIELD = T.StructField(BUCKET, T.IntegerType())


def user_bucket(user_id: Column) -> Column:
    """The user's bucket, 0..USER_BUCKETS-1, null without a user id. Spark's `xxhash64` (seed 42) is the same on
    every Spark, so a bucket computed now matches one written years ago. A bucket holds 1/USER_BUCKETS of all
    users: its number, kept in `_delta_log` as a partition value, identifies nobody."""
    return F.when(user_id.isNotNull(), F.pmod(F.xxhash64(user_id), F.lit(USER_BUCKETS)).cast("int"))


@dataclass(frozen=True)
class TableSpec:
    schema: str  # Unity Catalog schema, and the lake folder locally
    name: str
    columns: T.StructType
    # Column holding the user id that deletion keys on; None only with `no_user_data_reason`.
    user_column: str | None
    # Delta keeps min/max of these in `_delta_log` (commits and checkpoints, which outlive a DELETE until log
    # retention), so they must never identify a person: no user id, no body, no health values.
    stats_columns: tuple[str, ...]
    no_user_data_reason: str | None = None
    # The job that writes the table, and whose principal owns it: the only one that alters its metadata
    # (`TableRef.ensure`); the other jobs only check it (`TableRef.check`).
    writer: str = "delete"
    # Rows may name no user (a body that did not parse): they are deleted after `unattributed_days`, counted from
    # the earlier of `enqueuedTime` and this column, and the table's retention is shortened by as much
    # (`Lake.retention_days`).
    arrival_column: str | None = None

    @property
    def unattributed(self) -> bool:
        return self.arrival_column is not None

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def partition_columns(self) -> tuple[str, ...]:
        return (BUCKET,) if self.user_column else ()


LINEAGE = [
    T.StructField("captureFile", T.StringType()),
    T.StructField("partitionId", T.StringType()),
    T.StructField("sequenceNumber", T.LongType()),
    T.StructField("offset", T.StringType()),
    T.StructField("enqueuedTime", T.TimestampType()),
]
LINEAGE_STATS = ("partitionId", "sequenceNumber", "enqueuedTime")
# The message as sent: `body` when it is valid UTF-8 (Parquet's strings must be, or readers beside Spark refuse the
# whole file), else its exact bytes in `bodyBytes`. Exactly one is set, or neither for an empty message.
BODY = [T.StructField("body", T.StringType()), T.StructField("bodyBytes", T.BinaryType())]

EVENTS = TableSpec(
    "bronze",
    "events",
    T.StructType(
        [
            *LINEAGE,
            *BODY,
            T.StructField("eventId", T.StringType()),
            T.StructField("eventType", T.StringType()),
            T.StructField("schemaVersion", T.LongType()),
            T.StructField("occurredAt", T.TimestampType()),
            T.StructField("userId", T.StringType()),
            T.StructField("ingestedAt", T.TimestampType()),
            BUCKET_FIELD,
        ]
    ),
    user_column="userId",
    stats_columns=(*LINEAGE_STATS, "ingestedAt"),
    arrival_column="ingestedAt",
    writer="ingest",
)

QUARANTINE = TableSpec(
    "silver",
    "quarantine",
    T.StructType(
        [
            *LINEAGE,
            *BODY,
            T.StructField("eventId", T.StringType()),
            T.StructField("eventType", T.StringType()),
            T.StructField("schemaVersion", T.LongType()),
            T.StructField("userId", T.StringType()),
            T.StructField("reason", T.StringType()),
            T.StructField("reasonDetail", T.StringType()),
            T.StructField("quarantinedAt", T.TimestampType()),
            BUCKET_FIELD,
        ]
    ),
    user_column="userId",
    stats_columns=(*LINEAGE_STATS, "reason"),
    arrival_column="quarantinedAt",
    writer="normalize",
)


def _ops_table(name: str, columns: list[tuple[str, T.DataType]], stats: tuple[str, ...], reason: str) -> TableSpec:
    """A table of the `ops` schema: the delete job's own, holding no user data."""
    fields = T.StructType([T.StructField(column, kind) for column, kind in columns])
    return TableSpec("ops", name, fields, user_column=None, stats_columns=stats, no_user_data_reason=reason)


DELETION_AUDIT = _ops_table(
    "deletion_audit",
    [
        ("requestId", T.StringType()),
        ("userHash", T.StringType()),
        ("source", T.StringType()),
        ("requestedAt", T.TimestampType()),
        ("completedAt", T.TimestampType()),
        ("rowsRemoved", T.MapType(T.StringType(), T.LongType())),
        ("saltVersion", T.IntegerType()),  # the `AUDIT_SALT` version `userHash` was made with
    ],
    ("requestedAt", "completedAt"),
    "holds a salted hash of the user id, never the id, so the proof of deletion survives",
)

AUDIT_SALT = _ops_table(
    "audit_salt",
    [("saltVersion", T.IntegerType()), ("salt", T.StringType()), ("createdAt", T.TimestampType())],
    # Never `salt`: statistics sit in `_delta_log`, which more principals may read than the table.
    ("saltVersion", "createdAt"),
    "the salt of the audit's user hashes, created by the delete job; only its principal reads it",
)

CAPTURE_FILES = _ops_table(
    "capture_files",
    [("captureFile", T.StringType()), ("seenAt", T.TimestampType())],
    ("seenAt",),
    "paths of Capture files seen in bronze (namespace, hub, partition, time), for the watchdog",
)

SILVER_ENVELOPE = [
    T.StructField("eventId", T.StringType()),
    T.StructField("userId", T.StringType()),
    T.StructField("schemaVersion", T.LongType()),
    T.StructField("occurredAt", T.TimestampType()),
]
SILVER_RESERVED = {f.name for f in [*SILVER_ENVELOPE, *LINEAGE, BUCKET_FIELD]}


def silver_spec(event_type: str) -> TableSpec:
    """The typed table of one event type, columns derived from the schema registry."""
    payload = []
    for f in registry.payload_columns(event_type):
        if f.name in SILVER_RESERVED:
            raise registry.RegistryError(
                f"{event_type} payload field {f.name!r} clashes with an envelope or lineage column: rename it"
            )
        payload.append(T.StructField(f.name, registry.FIELD_TYPES[f.type][0]))
    return TableSpec(
        "silver",
        registry.table_name(event_type),
        T.StructType([*SILVER_ENVELOPE, *payload, *LINEAGE, BUCKET_FIELD]),
        user_column="userId",
        stats_columns=("eventId", "occurredAt", *LINEAGE_STATS),
        writer="normalize",
    )


def all_tables() -> list[TableSpec]:
    return [
        EVENTS,
        QUARANTINE,
        *(silver_spec(t) for t in registry.event_types()),
        DELETION_AUDIT,
        AUDIT_SALT,
        CAPTURE_FILES,
    ]


def user_tables() -> list[TableSpec]:
    return [t for t in all_tables() if t.user_column]
