"""How the jobs lay rows out in files, which decides what deleting one user reads and rewrites.

Every user table is partitioned by `userBucket` (`tables.user_bucket`). A write puts each bucket's rows of a batch
in one file (`clustered_by_bucket`), and the scheduled compaction (`optimize`) merges a bucket's small files into
one, so a deletion's MERGE, which names the user's bucket, reads and rewrites only that bucket's files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from pyspark.sql import DataFrame, SparkSession

from h3_ml.commits import retry_on_conflict
from h3_ml.lake import TableRef
from h3_ml.tables import BUCKET, USER_BUCKETS

COMPACTED_BYTES = 64 * 1024 * 1024
"""A file at least this large counts as compacted: the daily `optimize` leaves it as it is. Delta's own threshold
(`spark.databricks.delta.optimize.minFileSize`) defaults to 1 GB, the size it compacts to, so every daily run would
rewrite all of each bucket's files again, compacted or not, and every rewrite stays on storage until
VACUUM passes the retention ("with minFileSize set to 1 GB, a 900 MB file might be rewritten after a small
additional write", https://learn.microsoft.com/fabric/data-engineering/table-compaction). With this threshold a
run rewrites at most this much per bucket plus what arrived since the last run, however old the table. 64 MiB is
the threshold of Delta's own auto compaction (`spark.databricks.delta.autoCompact.minFileSize`: by default half of
its 128 MB target file size)."""

MIN_FILE_SIZE = "spark.databricks.delta.optimize.minFileSize"


@contextmanager
def session_settings(spark: SparkSession, values: Mapping[str, str | None]) -> Iterator[None]:
    """Spark settings for the session while the block runs (None: unset), then each as it was before: how a
    command writes files, such as the deletion's MERGE rewriting files instead of adding deletion vectors."""
    previous = {k: spark.conf.get(k, None) for k in values}
    _apply(spark, values)
    try:
        yield
    finally:
        _apply(spark, previous)


def _apply(spark: SparkSession, values: Mapping[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, value)


def clustered_by_bucket(rows: DataFrame, tasks: int) -> DataFrame:
    """The rows in at most `tasks` partitions by bucket: each bucket in one task, so one file per bucket."""
    return rows.repartition(max(1, min(tasks, USER_BUCKETS)), BUCKET)


def optimize(spark: SparkSession, table: TableRef, *, log: Callable[[str], None] = print) -> int:
    """`OPTIMIZE` on one table; returns the files the compaction removed.

    Bin-packing works within a partition on the files smaller than `MIN_FILE_SIZE`, so each bucket's small files
    (one per batch) become one file, up to `spark.databricks.delta.optimize.maxFileSize` (1 GB by default;
    delta-io/delta#3272). The threshold is the session's where a cluster or session sets it, else
    `COMPACTED_BYTES`; it is set before the command, never unset after, since tables compact side by side in one
    session. Databricks tunes file sizes itself on Unity Catalog managed tables
    (https://docs.databricks.com/aws/en/tables/tune-file-size.md); the setting is Delta's. A compaction changes
    no data (`dataChange = false`): streams reading the table skip it. It conflicts with a concurrent commit
    that removed a file it rewrites (https://docs.delta.io/3.3.1/optimizations-oss.html, "Compaction
    (bin-packing)"): on these tables, partitioned and without deletion vectors, that is a concurrent UPDATE,
    DELETE or MERGE such as normalize's, or another OPTIMIZE such as predictive optimization's
    (https://docs.databricks.com/optimizations/isolation-level.html, "Write conflicts without row-level
    concurrency"). So a conflict is retried: the retry plans against the new snapshot.
    """
    if spark.conf.get(MIN_FILE_SIZE, None) is None:
        spark.conf.set(MIN_FILE_SIZE, str(COMPACTED_BYTES))

    def attempt() -> int:
        return spark.sql(f"OPTIMIZE {table.sql}").first()["metrics"]["numFilesRemoved"]

    return retry_on_conflict(attempt, what=f"compact {table.label}", log=log)
