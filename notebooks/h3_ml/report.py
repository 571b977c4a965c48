"""What is in the lake: every registered table's location and row count, quarantine counts by reason."""

from __future__ import annotations

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from h3_ml.lake import Lake
from h3_ml.tables import QUARANTINE, all_tables


def lake_report(spark: SparkSession, lake: Lake) -> dict:
    tables = {}
    for spec in all_tables():
        ref = lake.table(spec)
        exists = ref.exists(spark)
        tables[spec.key] = {
            "location": ref.path or ref.name,
            "rows": ref.read(spark).count() if exists else None,
        }
    quarantine = lake.table(QUARANTINE)
    reasons = {}
    if quarantine.exists(spark):
        counts = quarantine.read(spark).groupBy("reason").agg(F.count("*").alias("n")).collect()
        reasons = {r.reason: r.n for r in sorted(counts, key=lambda r: r.reason)}
    return {"tables": tables, "quarantine_by_reason": reasons}
