"""Normalize: bronze `events` -> one typed silver table per event type, and `quarantine` for the rest.

Incremental: a checkpointed Delta stream reads only bronze commits not yet processed. Idempotent: every write
is a MERGE (silver on eventId, quarantine on the message's lineage), so a replayed batch changes nothing.
A bad event is a quarantine row with a reason code, never a failed job.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from h3_ml import faults as fp
from h3_ml import registry
from h3_ml.commits import insert_missing, retry_on_conflict
from h3_ml.faults import NO_FAULTS, Faults
from h3_ml.ingest import await_available_now
from h3_ml.lake import Lake, TableRef
from h3_ml.layout import clustered_by_bucket
from h3_ml.parallel import TABLES_AT_ONCE, side_by_side
from h3_ml.registry import EVENT_SCHEMAS, FIELD_TYPES, EventSchema, Field
from h3_ml.tables import BODY, BUCKET, EVENTS, LINEAGE, QUARANTINE, silver_spec, user_bucket

NOT_UTF8 = "not_utf8"
NOT_JSON = "not_json"
MISSING_REQUIRED_FIELD = "missing_required_field"
WRONG_TYPE = "wrong_type"
UNKNOWN_EVENT_TYPE = "unknown_event_type"
UNKNOWN_SCHEMA_VERSION = "unknown_schema_version"
REASONS = (NOT_UTF8, NOT_JSON, MISSING_REQUIRED_FIELD, WRONG_TYPE, UNKNOWN_EVENT_TYPE, UNKNOWN_SCHEMA_VERSION)

# One task writes about this many rows of a silver table, each bucket of them in one file (`clustered_by_bucket`).
ROWS_PER_TASK = 100_000
_V = "_v"  # the parsed body, a VARIANT
# A Delta stream fails on a commit that changes the source's partitioning (DELTA_SCHEMA_CHANGED_WITH_VERSION),
# which moving bronze to the bucket layout is; the stream therefore starts afresh under this name. Its first run
# reads bronze's current rows once more, and its MERGEs (idempotent, first enqueued copy wins) change nothing.
CHECKPOINT = "normalize-bucketed"
_ENVELOPE = (
    Field("eventId", "string"),
    Field("eventType", "string"),
    Field("schemaVersion", "long"),
    Field("occurredAt", "timestamp"),
)


def _problem(reason: str, detail: Column) -> Column:
    return F.struct(F.lit(reason).alias("reason"), detail.alias("detail"))


def parse_single_json(body: Column) -> Column:
    """The body as a VARIANT when it is exactly one JSON value, else null.

    `try_parse_json` stops after the first value and ignores the rest, so `{...} junk` or two concatenated
    messages would pass as the first one. Text after the value breaks at least one of two wrappers: an array
    closes only with `]` (or `,` and more elements), an object member only with `}` (or `,` and more members).
    """
    as_element = F.try_parse_json(F.concat(F.lit("["), body, F.lit("]")))
    as_member = F.try_parse_json(F.concat(F.lit('{"v":'), body, F.lit("}")))
    return F.when(as_member.isNotNull(), F.try_variant_get(as_element, "$[0]", "variant"))


def _blank_problem(column: str) -> Column:
    # An empty eventId would merge unrelated events into one row; an empty userId is a person nobody can delete.
    return F.when(F.col(column).rlike(r"(?U)^\s*$"), _problem(MISSING_REQUIRED_FIELD, F.lit(f"{column} is blank")))


def _raw(path: str) -> Column:
    return F.try_variant_get(F.col(_V), path, "variant")


def typed_value(path: str, type_: str) -> Column:
    """The value at `path` in the declared type; null when absent or of another type."""
    if type_ == "timestamp":
        return F.try_to_timestamp(F.try_variant_get(F.col(_V), path, "string"))
    return F.try_variant_get(F.col(_V), path, FIELD_TYPES[type_][0].simpleString())


def field_problem(path: str, f: Field) -> Column:
    """Null when the field is fine; else (missing_required_field | wrong_type, detail naming the field)."""
    raw = _raw(path)
    label = path.removeprefix("$.")
    kind = F.schema_of_variant(raw)
    accepted = FIELD_TYPES[f.type][1]
    kind_ok = F.lit(False)
    for k in accepted:
        kind_ok = kind_ok | kind.startswith(k)
    if f.type == "timestamp":
        kind_ok = kind_ok & typed_value(path, f.type).isNotNull()
    absent = raw.isNull() | F.is_variant_null(raw)
    missing = _problem(MISSING_REQUIRED_FIELD, F.lit(f"{label} is missing")) if f.required else F.lit(None)
    wrong = _problem(WRONG_TYPE, F.concat(F.lit(f"{label} must be {f.type}, got "), F.coalesce(kind, F.lit("?"))))
    return F.when(absent, missing).when(~kind_ok, wrong)


def _version_problem(schemas: tuple[EventSchema, ...]) -> Column:
    event_type, version = F.col("eventType"), F.col("schemaVersion")
    problem = None
    for s in schemas:
        checks = [field_problem(f"$.payload.{f.name}", f) for f in s.fields]
        if s.user_id_required:
            checks[:0] = [field_problem("$.userId", Field("userId", "string")), _blank_problem("userId")]
        matched = (event_type == s.event_type) & (version == s.version)
        found = F.coalesce(*checks) if checks else F.lit(None)
        problem = F.when(matched, found) if problem is None else problem.when(matched, found)
    unknown = _problem(
        UNKNOWN_SCHEMA_VERSION,
        F.concat(
            F.lit("schemaVersion "), version.cast("string"), F.lit(" of "), event_type, F.lit(" is not registered")
        ),
    )
    return problem.otherwise(unknown)


def with_validation(bronze: DataFrame, schemas: tuple[EventSchema, ...] = EVENT_SCHEMAS) -> DataFrame:
    """Adds the strictly parsed envelope and `problem` (null for a valid event, else reason and detail).

    Bronze parsed leniently; here a field must be present and of its declared JSON type.
    """
    known = registry.event_types(schemas)
    # Bronze's lenient parse stays as `bronze_*`: quarantine keeps whatever of the envelope did parse.
    lenient = ("eventId", "eventType", "schemaVersion", "userId")
    parsed = (
        bronze.withColumnsRenamed({c: f"bronze_{c}" for c in lenient})
        .drop("occurredAt")
        .withColumn(_V, parse_single_json(F.col("body")))
    )
    envelope = parsed.select("*", *(typed_value(f"$.{f.name}", f.type).alias(f.name) for f in _ENVELOPE)).withColumn(
        "userId", typed_value("$.userId", "string")
    )
    checks = [
        F.when(F.col("bodyBytes").isNotNull(), _problem(NOT_UTF8, F.lit("body is not valid UTF-8"))),
        F.when(F.col("body").isNull(), _problem(NOT_JSON, F.lit("body is empty"))),
        F.when(F.col(_V).isNull(), _problem(NOT_JSON, F.lit("body is not valid JSON"))),
        F.when(
            ~F.schema_of_variant(F.col(_V)).startswith("OBJECT"),
            _problem(NOT_JSON, F.lit("body is JSON but not an object")),
        ),
        *(field_problem(f"$.{f.name}", f) for f in _ENVELOPE),
        _blank_problem("eventId"),
        F.when(
            ~F.col("eventType").isin(*known),
            _problem(
                UNKNOWN_EVENT_TYPE, F.concat(F.lit("eventType "), F.col("eventType"), F.lit(" is not registered"))
            ),
        ),
        _version_problem(schemas),
    ]
    return envelope.withColumn("problem", F.coalesce(*checks))


def to_quarantine(checked: DataFrame) -> DataFrame:
    lenient = {name: F.col(f"bronze_{name}") for name in ("eventId", "eventType", "schemaVersion", "userId")}
    return checked.filter(F.col("problem").isNotNull()).select(
        *(F.col(f.name) for f in [*LINEAGE, *BODY]),
        *(col.alias(name) for name, col in lenient.items()),
        F.col("problem.reason").alias("reason"),
        F.col("problem.detail").alias("reasonDetail"),
        F.current_timestamp().alias("quarantinedAt"),
        user_bucket(F.col("bronze_userId")).alias(BUCKET),
    )


def to_silver(checked: DataFrame, event_type: str, schemas: tuple[EventSchema, ...] = EVENT_SCHEMAS) -> DataFrame:
    """Valid events of one type as typed rows, one per eventId: the first enqueued copy wins."""
    spec = silver_spec(event_type)
    versions = registry.versions(event_type, schemas)
    payload = []
    for f in registry.payload_columns(event_type, schemas):
        having = [s.version for s in versions if any(g.name == f.name for g in s.fields)]
        value = typed_value(f"$.payload.{f.name}", f.type)
        payload.append(F.when(F.col("schemaVersion").isin(*having), value).alias(f.name))
    rows = checked.filter(F.col("problem").isNull() & (F.col("eventType") == event_type))
    first = Window.partitionBy("eventId").orderBy("enqueuedTime", "partitionId", "sequenceNumber")
    deduped = rows.withColumn("_n", F.row_number().over(first)).filter(F.col("_n") == 1)
    return deduped.select(
        "eventId",
        "userId",
        "schemaVersion",
        "occurredAt",
        *payload,
        "captureFile",
        "partitionId",
        "sequenceNumber",
        "offset",
        "enqueuedTime",
        user_bucket(F.col("userId")).alias(BUCKET),
    ).select(*spec.columns.fieldNames())


def merge_silver(spark: SparkSession, table: TableRef, rows: DataFrame) -> None:
    # Matched rows are replaced only by an earlier-enqueued copy, so late or out-of-order re-sends cannot win
    # and a replayed batch matches everything with equal times: no change.
    def merge() -> None:
        (
            table.delta(spark)
            .alias("t")
            .merge(rows.alias("s"), "t.eventId = s.eventId")
            .whenMatchedUpdateAll(condition="s.enqueuedTime < t.enqueuedTime")
            .whenNotMatchedInsertAll()
            .execute()
        )

    retry_on_conflict(merge, what=f"normalize {table.label}")


def merge_quarantine(spark: SparkSession, table: TableRef, rows: DataFrame) -> None:
    on = "t.captureFile = s.captureFile AND t.sequenceNumber = s.sequenceNumber"
    insert_missing(spark, table, rows, on=on, what=f"normalize {table.label}")


def filter_still_in_bronze(batch: DataFrame, bronze: DataFrame) -> DataFrame:
    """Drops rows deleted from bronze after they were appended.

    The Delta stream replays each append as it was committed and skips the later DELETE commit, so without
    this a user deleted before normalize caught up would reappear in silver. The time window lets data
    skipping (stats on `ingestedAt`) prune bronze to the files this batch came from.
    """
    window = batch.agg(F.min("ingestedAt").alias("lo"), F.max("ingestedAt").alias("hi")).first()
    if window["lo"] is None:
        return batch
    present = bronze.filter(F.col("ingestedAt").between(window["lo"], window["hi"])).select(
        "captureFile", "sequenceNumber"
    )
    return batch.join(present, ["captureFile", "sequenceNumber"], "left_semi")


@dataclass
class NormalizeSummary:
    batches: int = 0
    # Bronze rows this run validated (rows deleted from bronze meanwhile are not counted).
    rows_read: int = 0
    valid: Counter = field(default_factory=Counter)
    quarantined: Counter = field(default_factory=Counter)


def run_normalize(
    spark: SparkSession,
    lake: Lake,
    *,
    max_files_per_trigger: int | None = None,
    tables_in_parallel: int = TABLES_AT_ONCE,
    faults: Faults = NO_FAULTS,
    progress: Callable[[str], None] = print,
) -> NormalizeSummary:
    """Normalizes the bronze commits the checkpoint has not seen; the tables of a batch are written side by side,
    `tables_in_parallel` at a time (1 writes them in order, which crash tests use to stop between two)."""
    bronze = lake.table(EVENTS)
    if not bronze.exists(spark):
        where = bronze.path or bronze.name
        raise FileNotFoundError(f"no bronze table {bronze.label} at {where}: run ingest first")
    registry.validate()
    # Ingest owns bronze and brings it to the bucket layout (a Delta stream cannot read across that change);
    # normalize only checks it.
    bronze.check(spark)
    writer = _BatchWriter(spark, lake, bronze, tables_in_parallel, faults)
    options = {"skipChangeCommits": "true"}
    if max_files_per_trigger:
        options["maxFilesPerTrigger"] = str(max_files_per_trigger)
    query = (
        bronze.read_stream(spark, **options)
        .writeStream.queryName("h3_ml_normalize")
        .foreachBatch(writer.write)
        .option("checkpointLocation", lake.checkpoint(CHECKPOINT))
        .trigger(availableNow=True)
        .start()
    )
    # Source rows would count each batch once per read of it; `rows_read` is counted in `write` instead.
    writer.summary.batches, _ = await_available_now(query, "normalize", progress)
    return writer.summary


class _BatchWriter:
    """Validates one micro-batch of bronze and writes it to the quarantine and the silver tables."""

    def __init__(self, spark: SparkSession, lake: Lake, bronze: TableRef, at_once: int, faults: Faults) -> None:
        self.spark, self.bronze, self.at_once, self.faults = spark, bronze, at_once, faults
        types = registry.event_types()
        specs = [QUARANTINE, *(silver_spec(t) for t in types)]
        self.quarantine, *silvers = side_by_side(lambda s: lake.table(s).ensure(spark, lake), specs, at_most=at_once)
        self.silver = dict(zip(types, silvers, strict=True))
        self.summary = NormalizeSummary()

    def write(self, batch: DataFrame, batch_id: int) -> None:
        current = filter_still_in_bronze(batch, self.bronze.read(self.spark))
        checked = with_validation(current).persist()
        try:
            good, bad = _outcomes(checked)
            self.faults.check(fp.NORMALIZE_BEFORE_WRITE, batch_id)
            # The quarantine first, then silver by type: the order they are written in one at a time. Each
            # table's MERGE is idempotent, so a crash that leaves any of them written is replayed whole.
            writes = ([None] if bad else []) + sorted(good)
            side_by_side(lambda t: self._write_table(checked, t, good, batch_id), writes, at_most=self.at_once)
            self.faults.check(fp.NORMALIZE_BEFORE_COMMIT, batch_id)
            self.summary.rows_read += sum(good.values()) + sum(bad.values())
            self.summary.valid.update(good)
            self.summary.quarantined.update(bad)
        finally:
            checked.unpersist()

    def _write_table(self, checked: DataFrame, event_type: str | None, good: Counter, batch_id: int) -> None:
        if event_type is None:
            merge_quarantine(self.spark, self.quarantine, clustered_by_bucket(to_quarantine(checked), 1))
            self.faults.check(fp.NORMALIZE_AFTER_TABLE, batch_id)
            return
        tasks = -(-good[event_type] // ROWS_PER_TASK)
        rows = clustered_by_bucket(to_silver(checked, event_type), tasks)
        merge_silver(self.spark, self.silver[event_type], rows)
        self.faults.check(fp.NORMALIZE_AFTER_TABLE, batch_id)
        self.faults.check(fp.NORMALIZE_AFTER_SILVER_TABLE, batch_id)


def _outcomes(checked: DataFrame) -> tuple[Counter, Counter]:
    """Valid rows per event type and quarantined rows per reason, in one Spark job."""
    counts = checked.groupBy(
        F.when(F.col("problem").isNull(), F.col("eventType")).alias("eventType"),
        F.col("problem.reason").alias("reason"),
    ).count()
    rows = [(r.eventType, r.reason, r["count"]) for r in counts.collect()]
    good = Counter({t: n for t, reason, n in rows if not reason})
    bad = Counter({reason: n for _, reason, n in rows if reason})
    return good, bad
