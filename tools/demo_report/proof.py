"""What the Delta log and the data files say about a delete: which files held a user, which files the delete's
commits removed from the table, and whether any data file under a table still holds the user."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from h3_ml.lake import TableRef
from h3_ml.tables import BUCKET, user_bucket


def version(spark: SparkSession, table: TableRef) -> int:
    return table.delta(spark).history(1).first()["version"]


def live_files(spark: SparkSession, table: TableRef) -> int:
    return table.delta(spark).detail().first()["numFiles"]


def buckets_of(spark: SparkSession, users: list[str]) -> list[int]:
    """The users' buckets, as the jobs compute them."""
    frame = spark.createDataFrame([(u,) for u in users], "userId string")
    return sorted({r.b for r in frame.select(user_bucket(F.col("userId")).alias("b")).collect()})


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


def _owned(spark: SparkSession, rows: DataFrame, column: str, users: list[str]) -> DataFrame:
    """`rows` with `owner`: the user whose id the row's user column holds, or, for a row naming no user, whose
    id its raw body holds as a JSON string (what the delete job deletes on request)."""
    targets = spark.createDataFrame([(u, f'"{u}"') for u in users], "owner string, needle string")
    owned = rows.join(F.broadcast(targets), F.col(column) == F.col("owner"))
    if "body" not in rows.columns:
        return owned
    holds = F.contains(F.col("body"), F.col("needle")) | F.contains(F.col("bodyBytes"), F.col("needle").cast("binary"))
    damaged = rows.filter(F.col(column).isNull()).join(F.broadcast(targets), holds)
    return owned.unionByName(damaged)


def rows_by_file(spark: SparkSession, table: TableRef, users: list[str]) -> dict[str, Counter]:
    """Live rows (deletion vectors applied) of each of the users, per data file that holds any: one scan."""
    rows = table.read(spark).withColumn("f", F.col("_metadata.file_path"))
    owned = _owned(spark, rows, table.spec.user_column, users).groupBy("f", "owner").count().collect()
    found: dict[str, Counter] = {}
    for r in owned:
        found.setdefault(Path(r.f).name, Counter())[r.owner] += r["count"]
    return found


def raw_files_holding(spark: SparkSession, table: TableRef, users: list[str]) -> int:
    """Parquet files under the table's folder, referenced or not, with any row of the users, deletion vectors
    ignored: what is left on disk, not what readers see."""
    files = [str(p) for p in Path(table.path).rglob("*.parquet") if "_delta_log" not in p.parts]
    if not files:
        return 0
    column = table.spec.user_column
    names = [column, *(c for c in ("body", "bodyBytes") if c in table.spec.columns.fieldNames())]
    schema = ", ".join(f"`{c}` {table.spec.columns[c].dataType.simpleString()}" for c in names)
    rows = spark.read.schema(schema).parquet(*files).withColumn("f", F.col("_metadata.file_path"))
    return _owned(spark, rows, column, users).select("f").distinct().count()
