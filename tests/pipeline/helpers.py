"""Small builders shared by the pipeline tests: exact bodies in, exact rows out."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
from pyspark.sql import functions as F

from h3_ml.generate import Message, capture_path, envelope, write_capture_file
from h3_ml.tables import user_tables

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def body(
    event_type: str = "measurement.recorded",
    payload: dict | None = None,
    *,
    event_id: str,
    user_id: str | None = "u-1",
    occurred_at: datetime,
    version: int = 1,
) -> bytes:
    if payload is None:
        payload = {"metric": "weight", "value": 71.5, "unit": "kg"}
    doc = envelope(
        event_type,
        payload,
        user_id=user_id,
        occurred_at=occurred_at,
        event_id=event_id,
        schema_version=version,
    )
    return json.dumps(doc).encode()


def write_file(
    root: str,
    bodies: list[bytes | None],
    *,
    enqueued: datetime,
    partition: int = 0,
    first_seq: int = 0,
    codec: str = "deflate",
    properties_nullable: bool = True,
) -> str:
    path = capture_path(root, enqueued, partition=partition)
    write_capture_file(
        path,
        [Message(b, partition_key=None) for b in bodies],
        first_sequence_number=first_seq,
        first_offset=first_seq * 100,
        enqueued=enqueued,
        codec=codec,
        properties_nullable=properties_nullable,
    )
    return f"file:{path}"


def later(t: datetime, minutes: int) -> datetime:
    return t + timedelta(minutes=minutes)


def bronze_frame(
    spark, bodies: list[bytes | None], *, enqueued: datetime = T0, partition: str = "0", first_seq: int = 0
):
    """Bronze rows for `bodies` without touching disk: the Capture columns `to_bronze` expects, then it."""
    from pyspark.sql import types as T

    from h3_ml.capture import EVENT_DATA_SPARK_SCHEMA
    from h3_ml.ingest import to_bronze

    schema = T.StructType([*EVENT_DATA_SPARK_SCHEMA.fields, T.StructField("captureFile", T.StringType())])
    path = f"file:/capture/ns/hub/{partition}/2026/11/26/10/00/00.avro"
    rows = [
        (
            i,
            str(i * 100),
            "",
            {"x-opt-enqueued-time": (int(enqueued.timestamp() * 1000) + i, None, None, None)},
            {},
            b,
            path,
        )
        for i, b in enumerate(bodies, start=first_seq)
    ]
    return to_bronze(spark.createDataFrame(rows, schema))


def request_body(user: str, request_id: str, at: datetime = T0) -> bytes:
    """A `user.deletion_requested` event as the backend (or the operator command) sends it."""
    return body("user.deletion_requested", {"channel": "app"}, event_id=request_id, user_id=user, occurred_at=at)


_requests = iter(range(1_000, 1_000_000))


def request_deletion(spark, lake, user: str, request_id: str, at: datetime = T0) -> None:
    """The request event's bronze row, appended as ingest appends it (without a Capture file and a stream)."""
    from h3_ml.tables import EVENTS

    bronze = lake.table(EVENTS).ensure(spark, lake)
    bronze.append(bronze_frame(spark, [request_body(user, request_id, at)], enqueued=at, first_seq=next(_requests)))


# The clock the tests' delete runs read: a day after T0, so the scenario's rows naming no user are not yet due to
# expire (unattributed_days counts from their enqueued time).
NOW = T0 + timedelta(days=1)


def delete_run(
    spark, lake, *, request_id: str | None = None, at: datetime = NOW, faults=None, progress=None, **options
):
    """The delete job's run: the daily one, or with `request_id` a run-now."""
    from h3_ml.deletion import DeleteSettings, run_delete_job
    from h3_ml.faults import NO_FAULTS

    # A test without Capture files still names a folder, as the job is given one: none there, none missing.
    options.setdefault("capture_root", str(Path(lake.checkpoints) / "no-capture-files"))
    return run_delete_job(
        spark,
        lake,
        DeleteSettings(request_id=request_id, **options),
        faults=faults or NO_FAULTS,
        progress=progress or (lambda _: None),
        now=lambda: at,
    )


def contents(spark, lake) -> dict[str, list[str]]:
    """Every user table's rows as sorted JSON lines (ingestion times included: nothing else may change)."""
    out = {}
    for spec in user_tables():
        df = lake.table(spec).read(spark)
        out[spec.key] = sorted(r.j for r in df.select(F.to_json(F.struct("*")).alias("j")).collect())
    return out


def holds(line: str, user: str) -> bool:
    """Whether a row of `contents` holds the user's id, in a column or in the bytes of `bodyBytes` (base64 there)."""
    raw = json.loads(line).get("bodyBytes")
    return user in line or (raw is not None and user.encode() in base64.b64decode(raw))


def without(rows: dict[str, list[str]], user: str) -> dict[str, list[str]]:
    """`contents` less every row that holds the user."""
    return {k: [j for j in lines if not holds(j, user)] for k, lines in rows.items()}


def files_holding(paths: Iterable[Path], needle: str) -> list[str]:
    """The files among `paths` that hold `needle`: Parquet read as rows (it may be compressed), the rest as bytes.

    pyarrow reads each file in this process, so a lake's few dozen files cost no Spark job each.
    """
    found = []
    for path in paths:
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            if needle in repr(pq.read_table(path).to_pylist()):
                found.append(str(path))
        elif needle.encode() in path.read_bytes():
            found.append(str(path))
    return found


class Widgets:
    def __init__(self, values):
        self.values, self.declared = values, {}

    def text(self, name, default):
        self.declared[name] = default

    def get(self, name):
        return self.values.get(name, self.declared[name])


class Notebook:
    exited: str | None = None

    def exit(self, value):
        self.exited = value


class DbUtils:
    """The part of Databricks' `dbutils` the notebooks use: widgets given `values`, and the notebook's exit."""

    def __init__(self, values):
        self.widgets, self.notebook = Widgets(values), Notebook()
