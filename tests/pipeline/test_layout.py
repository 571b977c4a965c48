"""How the jobs lay rows out in files, which decides what deleting one user rewrites."""

from __future__ import annotations

from pyspark.sql import functions as F

from h3_ml.ingest import run_ingest
from h3_ml.lake import Lake
from h3_ml.layout import clustered_by_user
from h3_ml.normalize import run_normalize
from h3_ml.tables import EVENTS, silver_spec

from .helpers import T0, body, bronze_frame, later, write_file

QUIET = {"progress": lambda _: None}
USERS = [f"u-{i}" for i in range(8)]


def files_per_user(df, column: str = "userId") -> dict[str, int]:
    rows = df.groupBy(column).agg(F.countDistinct("_metadata.file_path").alias("files")).collect()
    return {r[column]: r["files"] for r in rows}


def test_clustered_by_user_writes_each_user_to_one_file(spark, tmp_path):
    rows = [(u, n) for n in range(5) for u in USERS]
    spread = spark.createDataFrame(rows, "userId string, n int").repartition(4)
    clustered_by_user(spread, "userId", 3).write.parquet(str(tmp_path / "out"))
    written = spark.read.parquet(str(tmp_path / "out"))
    assert files_per_user(written) == dict.fromkeys(USERS, 1)
    assert written.select("_metadata.file_path").distinct().count() == 3
    assert written.count() == len(rows)


def ingest_every_user_in_four_files(spark, lake, capture_root) -> None:
    """Four Capture files, every user in each: Spark reads them as more than one partition."""
    for minute in range(4):
        at = later(T0, minute)
        bodies = [body(event_id=f"e-{minute}-{u}", user_id=u, occurred_at=at) for u in USERS]
        write_file(capture_root, bodies, enqueued=at, partition=minute % 2)
    run_ingest(spark, capture_root, lake, **QUIET)


def test_ingest_writes_each_user_to_one_bronze_file_per_batch(spark, lake, capture_root):
    ingest_every_user_in_four_files(spark, lake, capture_root)
    bronze = lake.table(EVENTS).read(spark)
    assert bronze.select("_metadata.file_path").distinct().count() > 1
    assert files_per_user(bronze) == dict.fromkeys(USERS, 1)
    assert bronze.count() == 4 * len(USERS)


def test_normalize_writes_each_user_to_one_silver_file_per_batch(spark, lake, capture_root):
    ingest_every_user_in_four_files(spark, lake, capture_root)
    run_normalize(spark, lake, **QUIET)
    silver = lake.table(silver_spec("measurement.recorded")).read(spark)
    assert files_per_user(silver) == dict.fromkeys(USERS, 1)
    assert silver.count() == 4 * len(USERS)


def test_ensure_purges_deletion_vectors_left_from_before_they_were_turned_off(spark, tmp_path):
    lake = Lake.local(str(tmp_path / "lake"))
    table = lake.table(EVENTS)
    columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in EVENTS.columns.fields)
    spark.sql(
        f"CREATE TABLE {table.sql} ({columns}) USING DELTA TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')"
    )
    bodies = [body(event_id=f"e-{u}", user_id=u, occurred_at=T0) for u in ("u-gone", "u-kept")]
    table.append(bronze_frame(spark, bodies).coalesce(1))
    spark.sql(f"DELETE FROM {table.sql} WHERE userId = 'u-gone'")  # a vector: the row's bytes stay in the file

    def raw_users() -> list[str]:
        live = [r.f for r in table.read(spark).select(F.col("_metadata.file_path").alias("f")).distinct().collect()]
        return sorted(r.userId for r in spark.read.parquet(*live).select("userId").collect())

    assert (table.may_hold_deletion_vectors(spark), raw_users()) == (True, ["u-gone", "u-kept"])

    table.ensure(spark, lake)
    properties = table.delta(spark).detail().first().properties
    assert (properties["delta.enableDeletionVectors"], properties["h3_ml.deletionVectorsPurged"]) == ("false", "true")
    assert (table.may_hold_deletion_vectors(spark), raw_users()) == (False, ["u-kept"])
