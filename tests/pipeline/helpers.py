"""Small builders shared by the pipeline tests: exact bodies in, exact rows out."""

from __future__ import annotations

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


def bronze_frame(spark, bodies: list[bytes | None], *, enqueued: datetime = T0, partition: str = "0"):
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
        for i, b in enumerate(bodies)
    ]
    return to_bronze(spark.createDataFrame(rows, schema))


def contents(spark, lake) -> dict[str, list[str]]:
    """Every user table's rows as sorted JSON lines (ingestion times included: nothing else may change)."""
    out = {}
    for spec in user_tables():
        df = lake.table(spec).read(spark)
        out[spec.key] = sorted(r.j for r in df.select(F.to_json(F.struct("*")).alias("j")).collect())
    return out


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
