"""How the jobs lay rows out in files, which decides what deleting one user reads and rewrites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from delta.exceptions import ConcurrentDeleteReadException
from pyspark.sql import functions as F

from h3_ml.ingest import run_ingest
from h3_ml.lake import Lake, TableRefused
from h3_ml.layout import COMPACTED_BYTES, MIN_FILE_SIZE, clustered_by_bucket, optimize, session_settings
from h3_ml.normalize import run_normalize
from h3_ml.tables import BUCKET, EVENTS, USER_BUCKETS, silver_spec, user_bucket, user_tables

from .helpers import T0, body, bronze_frame, delete_run, later, request_deletion, write_file

QUIET = {"progress": lambda _: None}
USERS = [f"u-{i}" for i in range(12)]
BEFORE_BUCKETS = [f for f in EVENTS.columns.fields if f.name != BUCKET]


def files_per_user(df, column: str = "userId") -> dict[str, int]:
    rows = df.groupBy(column).agg(F.countDistinct("_metadata.file_path").alias("files")).collect()
    return {r[column]: r["files"] for r in rows}


def buckets_per_file(df) -> set[int]:
    rows = df.groupBy("_metadata.file_path").agg(F.countDistinct(BUCKET).alias("n")).collect()
    return {r.n for r in rows}


def compact(spark, tables, *, log=print) -> dict[str, int]:
    """`layout.optimize` on each table, as the daily delete run compacts them: the files each compaction removed."""
    return {t.label: optimize(spark, t, log=log) for t in tables}


def test_user_bucket_is_a_stable_hash_into_the_bucket_count(spark):
    df = spark.createDataFrame([("u-1",), ("u-alice-01",), ("",), (None,)], "userId string")
    got = [r.b for r in df.select(user_bucket(F.col("userId")).alias("b")).collect()]
    # Pinned: a bucket written now must be the bucket a deletion computes years later.
    assert got == [10, 7, 4, None]
    assert USER_BUCKETS == 16


def test_clustered_by_bucket_writes_each_bucket_to_one_file(spark, tmp_path):
    rows = [(u, n) for n in range(5) for u in USERS]
    spread = spark.createDataFrame(rows, "userId string, n int").repartition(4)
    bucketed = clustered_by_bucket(spread.withColumn(BUCKET, user_bucket(F.col("userId"))), 3)
    bucketed.write.partitionBy(BUCKET).parquet(str(tmp_path / "out"))
    written = spark.read.parquet(str(tmp_path / "out"))
    per_bucket = written.groupBy(BUCKET).agg(F.countDistinct("_metadata.file_path").alias("files")).collect()
    assert {r.files for r in per_bucket} == {1}
    assert len(per_bucket) > 3  # more buckets than tasks: a task writes several buckets, each to its own file
    assert written.count() == len(rows)


def ingest_every_user_in_four_files(spark, lake, capture_root, **options) -> None:
    """Four Capture files, every user in each: Spark reads them as more than one partition."""
    for minute in range(4):
        at = later(T0, minute)
        bodies = [body(event_id=f"e-{minute}-{u}", user_id=u, occurred_at=at) for u in USERS]
        write_file(capture_root, bodies, enqueued=at, partition=minute % 2, first_seq=minute * len(USERS))
    run_ingest(spark, capture_root, lake, **options, **QUIET)


@pytest.fixture(scope="module")
def four_files(spark, tmp_path_factory) -> Lake:
    """Four Capture files ingested and normalized once: the two tests below read different tables of it."""
    root = tmp_path_factory.mktemp("four-files")
    lake = Lake.local(str(root / "lake"))
    ingest_every_user_in_four_files(spark, lake, str(root / "capture"))
    # The premise: Spark reads the batch as more than one partition, so a bucket written without the ingest's
    # clustering would land in a file per task.
    files = spark.read.format("avro").option("recursiveFileLookup", "true").load(str(root / "capture"))
    assert files.rdd.getNumPartitions() > 1
    run_normalize(spark, lake, **QUIET)
    return lake


def test_ingest_writes_each_bucket_to_one_bronze_file_per_batch(spark, four_files):
    bronze = four_files.table(EVENTS).read(spark)
    assert bronze.select("_metadata.file_path").distinct().count() > 1
    assert buckets_per_file(bronze) == {1}
    assert files_per_user(bronze) == dict.fromkeys(USERS, 1)
    assert bronze.filter(F.col(BUCKET) != user_bucket(F.col("userId"))).count() == 0
    assert bronze.count() == 4 * len(USERS)


def test_normalize_writes_each_bucket_to_one_silver_file_per_batch(spark, four_files):
    silver = four_files.table(silver_spec("measurement.recorded")).read(spark)
    assert buckets_per_file(silver) == {1}
    assert files_per_user(silver) == dict.fromkeys(USERS, 1)
    assert silver.count() == 4 * len(USERS)


def last_merge(spark, table) -> tuple[str, set[str]]:
    """The logged condition of the table's last MERGE and the files it removed (rewrote)."""
    # The delete's VACUUM commits after its MERGE.
    version = table.delta(spark).history().filter("operation = 'MERGE'").first()
    removed = set()
    log = Path(table.path) / "_delta_log" / f"{version.version:020d}.json"
    for line in log.read_text().splitlines():
        if '"remove"' in line:
            removed.add(json.loads(line)["remove"]["path"])
    return version.operationParameters["predicate"], removed


def test_a_delete_rewrites_only_its_bucket_one_file_per_batch_then_one_after_compaction(spark, lake, capture_root):
    ingest_every_user_in_four_files(spark, lake, capture_root, max_files_per_trigger=1)
    bronze = lake.table(EVENTS)
    target = USERS[0]
    request_deletion(spark, lake, target, "req-1")  # a fifth append: one more file of the bucket
    (bucket,) = {r[BUCKET] for r in bronze.read(spark).filter(F.col("userId") == target).collect()}
    files = {
        Path(r.f).name: r.b
        for r in bronze.read(spark)
        .select(F.col("_metadata.file_path").alias("f"), F.col(BUCKET).alias("b"))
        .distinct()
        .collect()
    }
    assert sum(1 for b in files.values() if b == bucket) == 5  # five appends: one file of the bucket each
    assert len(files) > 5

    delete_run(spark, lake, request_id="req-1")
    predicate, removed = last_merge(spark, bronze)
    # Delta prunes the target by the condition's target-only conjuncts: the bucket literal; no id in the log.
    assert "(userBucket#" in predicate and f" = {bucket})" in predicate and target not in predicate
    assert {Path(p).name for p in removed} == {f for f, b in files.items() if b == bucket}
    assert all(p.startswith(f"{BUCKET}={bucket}/") for p in removed)

    request_deletion(spark, lake, USERS[1], "req-2")
    merged = compact(spark, lake.existing(spark, user_tables()))
    assert merged["bronze.events"] > 0
    after = bronze.read(spark)
    per_bucket = after.groupBy(BUCKET).agg(F.countDistinct("_metadata.file_path").alias("files")).collect()
    assert {r.files for r in per_bucket} == {1}
    delete_run(spark, lake, request_id="req-2")
    _, removed = last_merge(spark, bronze)
    assert len(removed) == 1


def bucket_files(spark, table) -> dict[str, tuple[int, int]]:
    """Each live file's name: (bucket, bytes)."""
    rows = table.read(spark).select("_metadata.file_path", "_metadata.file_size", BUCKET).distinct().collect()
    return {Path(r.file_path).name: (r[BUCKET], r.file_size) for r in rows}


def test_a_compaction_leaves_files_at_the_threshold_and_merges_the_smaller_ones(spark, lake, capture_root):
    """A compacted file is written once: a later compaction merges only what arrived since, however old the table."""
    table = lake.table(EVENTS)
    for minute in range(2):  # two appends of 50 events per user: compacted, far larger than one event per user
        at = later(T0, minute)
        bodies = [body(event_id=f"e-{minute}-{u}-{n}", user_id=u, occurred_at=at) for u in USERS for n in range(50)]
        write_file(capture_root, bodies, enqueued=at, partition=0, first_seq=1000 * minute)
        run_ingest(spark, capture_root, lake, **QUIET)
    first = bucket_files(spark, table)
    assert len(first) == 2 * len({b for b, _ in first.values()})  # two appends: two files per bucket
    with session_settings(spark, {MIN_FILE_SIZE: None}):  # the session sets none: the job's threshold applies
        assert compact(spark, [table], log=QUIET["progress"]) == {"bronze.events": len(first)}
        assert spark.conf.get(MIN_FILE_SIZE) == str(COMPACTED_BYTES)
        compacted = bucket_files(spark, table)
        assert sorted(b for b, _ in compacted.values()) == sorted({b for b, _ in first.values()})
        # Two more appends, then a threshold between the small files and the compacted ones, as a cluster sets it.
        for minute in (10, 11):
            at = later(T0, minute)
            bodies = [body(event_id=f"e-{minute}-{u}", user_id=u, occurred_at=at) for u in USERS]
            write_file(capture_root, bodies, enqueued=at, partition=0, first_seq=100 * minute)
            run_ingest(spark, capture_root, lake, **QUIET)
        grown = bucket_files(spark, table)
        new = {f: v for f, v in grown.items() if f not in compacted}
        threshold = min(size for _, size in compacted.values())
        assert max(size for _, size in new.values()) < threshold
        with session_settings(spark, {MIN_FILE_SIZE: str(threshold)}):
            assert compact(spark, [table], log=QUIET["progress"]) == {"bronze.events": len(new)}
    after = bucket_files(spark, table)
    assert set(compacted) <= set(after)  # the compacted files, untouched
    added = [b for f, (b, _) in after.items() if f not in compacted]
    assert sorted(added) == sorted({b for b, _ in new.values()})  # one file per bucket for what arrived since
    assert table.read(spark).count() == 102 * len(USERS)


def test_ensure_gives_a_table_from_before_the_buckets_its_column_and_layout_without_losing_rows(
    spark, tmp_path, capture_root
):
    lake = Lake.local(str(tmp_path / "lake"))
    table = lake.table(EVENTS)
    columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in BEFORE_BUCKETS)
    spark.sql(
        f"CREATE TABLE {table.sql} ({columns}) USING DELTA TBLPROPERTIES ('delta.enableDeletionVectors' = 'false')"
    )
    old = bronze_frame(spark, [body(event_id=f"e-{u}", user_id=u, occurred_at=T0) for u in USERS[:6]])
    table.append(old.select(*(f.name for f in BEFORE_BUCKETS)).coalesce(1))
    # Ingest owns bronze: normalize only checks it, and refuses it before ingest has brought it to the layout.
    with pytest.raises(TableRefused, match=r"bronze.events is not in the bucket layout yet. Fix: run the ingest job"):
        run_normalize(spark, lake, **QUIET)
    ingest_every_user_in_four_files(spark, lake, capture_root)  # ensure, then four files of new rows
    bronze = table.read(spark)
    assert bronze.count() == 6 + 4 * len(USERS)
    assert bronze.filter(F.col(BUCKET).isNull() | (F.col(BUCKET) != user_bucket(F.col("userId")))).count() == 0
    assert table.delta(spark).detail().first().partitionColumns == [BUCKET]
    assert buckets_per_file(bronze) == {1}
    normalized = run_normalize(spark, lake, **QUIET)
    # The stream starts afresh after the layout change (normalize.CHECKPOINT): every bronze row, once.
    assert normalized.rows_read == 6 + 4 * len(USERS)
    silver = lake.table(silver_spec("measurement.recorded"))
    assert silver.read(spark).count() == 6 + 4 * len(USERS)
    assert run_normalize(spark, lake, **QUIET).rows_read == 0


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

    # Every job ensures its tables on each start: an up-to-date table gets no commit (a metadata commit would fail
    # every concurrent writer).
    version = table.delta(spark).history(1).first().version
    table.ensure(spark, lake)
    assert table.delta(spark).history(1).first().version == version


def test_a_compaction_that_meets_a_concurrent_commit_is_retried():
    """OPTIMIZE conflicts with a concurrent MERGE or OPTIMIZE on these tables (partitioned, no deletion vectors)."""

    class Result:
        def first(self):
            return {"metrics": {"numFilesRemoved": 3}}

    class Conf(dict):
        def set(self, key, value):
            self[key] = value

    class Spark:
        def __init__(self):
            self.statements: list[str] = []
            self.conf = Conf()

        def sql(self, text):
            self.statements.append(text)
            if len(self.statements) == 1:
                raise ConcurrentDeleteReadException("a concurrent MERGE removed a file this OPTIMIZE read")
            return Result()

    logged: list[str] = []
    spark = Spark()
    assert compact(spark, [Lake.local("/lake").table(EVENTS)], log=logged.append) == {"bronze.events": 3}
    assert spark.statements == ["OPTIMIZE delta.`/lake/bronze/events`"] * 2
    assert spark.conf == {MIN_FILE_SIZE: str(COMPACTED_BYTES)}
    assert logged == ["compact bronze.events: concurrent commit (ConcurrentDeleteReadException), retry 1/4"]
