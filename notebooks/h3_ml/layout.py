"""How the jobs lay rows out in files, which decides what deleting one user reads and rewrites.

Every user table is partitioned by `userBucket` (`tables.user_bucket`). A write puts each bucket's rows of a batch
in one file (`clustered_by_bucket`), and the scheduled compaction (`optimize`) merges a bucket's files into one, so
a deletion's MERGE, which names the user's bucket, reads and rewrites only that bucket's files.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import DataFrame, SparkSession

from h3_ml.commits import retry_on_conflict
from h3_ml.lake import TableRef
from h3_ml.tables import BUCKET, USER_BUCKETS


def clustered_by_bucket(rows: DataFrame, tasks: int) -> DataFrame:
    """The rows in at most `tasks` partitions by bucket: each bucket in one task, so one file per bucket."""
    return rows.repartition(max(1, min(tasks, USER_BUCKETS)), BUCKET)


def optimize(spark: SparkSession, table: TableRef, *, log: Callable[[str], None] = print) -> int:
    """`OPTIMIZE` on one table; returns the files the compaction removed.

    Bin-packing works within a partition, so each bucket's small files (one per batch) become one file, up to
    `spark.databricks.delta.optimize.maxFileSize` (1 GB by default; delta-io/delta#3272). A compaction changes
    no data (`dataChange = false`): streams reading the table skip it. It conflicts with a concurrent commit
    that removed a file it rewrites (https://docs.delta.io/3.3.1/optimizations-oss.html, "Compaction
    (bin-packing)"): on these tables, partitioned and without deletion vectors, that is a concurrent UPDATE,
    DELETE or MERGE such as normalize's, or another OPTIMIZE such as predictive optimization's
    (https://docs.databricks.com/optimizations/isolation-level.html, "Write conflicts without row-level
    concurrency"). So a conflict is retried: the retry plans against the new snapshot.
    """

    def attempt() -> int:
        return spark.sql(f"OPTIMIZE {table.sql}").first()["metrics"]["numFilesRemoved"]

    return retry_on_conflict(attempt, what=f"compact {table.label}", log=log)
