"""What the Delta log and the data files say about a delete: which files held a user, which files the delete's
commits removed from the table, and whether any data file under a table still holds the user."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from h3_ml.lake import TableRef
from h3_ml.tables import BUCKET


def version(spark: SparkSession, table: TableRef) -> int:
    return table.delta(spark).history(1).first()["version"]


def live_files(spark: SparkSession, table: TableRef) -> int:
    return table.delta(spark).detail().first()["numFiles"]


def bucket_files(spark: SparkSession, table: TableRef, buckets: list[int]) -> int:
    """Live files in the given buckets' partitions: what a delete of users in those buckets reads."""
    rows = table.read(spark).filter(F.col(BUCKET).isin(buckets))
    return rows.select("_metadata.file_path").distinct().count()


def files_removed_since(table: TableRef, since: int) -> set[str]:
    """Data files that commits after version `since` removed: marked by a deletion vector or rewritten."""
    removed = set()
    for commit in sorted((Path(table.path) / "_delta_log").glob("*.json")):
        if int(commit.stem) <= since:
            continue
        for line in commit.read_text().splitlines():
            action = json.loads(line) if line.strip() else {}
            if "remove" in action:
                removed.add(Path(action["remove"]["path"]).name)
    return removed


def rows_by_file(spark: SparkSession, table: TableRef, users: list[str]) -> dict[str, Counter]:
    """Live rows (deletion vectors applied) of each of the users, per data file that holds any: one scan."""
    column = F.col(table.spec.user_column)
    rows = (
        table.read(spark)
        .filter(column.isin(users))
        .groupBy(F.col("_metadata.file_path").alias("f"), column.alias("u"))
        .count()
        .collect()
    )
    found: dict[str, Counter] = {}
    for r in rows:
        found.setdefault(Path(r.f).name, Counter())[r.u] += r["count"]
    return found


def raw_files_holding(spark: SparkSession, table: TableRef, users: list[str]) -> int:
    """Parquet files under the table's folder, referenced or not, with any row of the users, deletion vectors
    ignored: what is left on disk, not what readers see."""
    files = [str(p) for p in Path(table.path).rglob("*.parquet") if "_delta_log" not in p.parts]
    if not files:
        return 0
    column = table.spec.user_column
    found = spark.read.schema(f"`{column}` string").parquet(*files).filter(F.col(column).isin(users))
    return found.select("_metadata.file_path").distinct().count()
