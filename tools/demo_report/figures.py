"""The demo's figures, read from the lake (and the plan JSON): what the report shows and the test checks."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from demo_report import proof
from h3_ml.deletion import DeleteSettings, event_requests, run_delete_job
from h3_ml.lake import Lake
from h3_ml.report import lake_report
from h3_ml.tables import EVENTS, QUARANTINE, user_tables


def events_per_hour(spark: SparkSession, lake: Lake) -> list[dict]:
    """Captured messages (bronze) and quarantined ones per enqueued hour, in time order."""

    def per_hour(key) -> dict[str, int]:
        table = lake.table(key)
        if not table.exists(spark):
            return {}
        hour = F.date_format(F.date_trunc("hour", "enqueuedTime"), "yyyy-MM-dd HH:00")
        counts = table.read(spark).groupBy(hour.alias("hour")).agg(F.count("*").alias("n"))
        return {r.hour: r.n for r in counts.collect()}

    captured, quarantined = per_hour(EVENTS), per_hour(QUARANTINE)
    return [
        {"hour": h, "captured": captured.get(h, 0), "quarantined": quarantined.get(h, 0)}
        for h in sorted(captured.keys() | quarantined.keys())
    ]


def lake_figures(spark: SparkSession, lake: Lake) -> dict:
    report = lake_report(spark, lake)
    return {
        "tables": {key: t["rows"] for key, t in report["tables"].items()},
        "quarantine": report["quarantine_by_reason"],
        "events_per_hour": events_per_hour(spark, lake),
    }


def plan_components(plan: dict) -> dict:
    """Resources per top-level component of a plan JSON (scripts/lib/planFiles.ts), components not counted."""
    by_urn = {r["urn"]: r for r in plan["resources"]}

    def top(resource: dict) -> dict:
        while resource["parent"] in by_urn:
            resource = by_urn[resource["parent"]]
        return resource

    counts: Counter = Counter()
    for r in plan["resources"]:
        if r["type"].startswith("h3:"):
            continue  # a component groups resources; it creates nothing in Azure or Databricks itself
        root = top(r)
        counts[(root["name"], root["type"]) if root is not r else ("(stack)", "top-level resources")] += 1
    components = [{"name": n, "type": t, "resources": c} for (n, t), c in sorted(counts.items(), key=lambda kv: -kv[1])]
    return {"stack": plan["stack"], "components": components, "total": sum(counts.values())}


def delete_with_proof(
    spark: SparkSession,
    lake: Lake,
    user: str,
    request_id: str,
    *,
    capture_root: str,
    progress: Callable[[str], None] = print,
) -> dict:
    """Runs the delete job as production does for `user`'s request (and every pending request): the run-now, then,
    once the lake's retention for rewritten files has passed, the daily run with its VACUUM. Records per table the
    rows and files before and after, from the tables and their Delta logs."""
    users = sorted({user, *(r.user_id for r in event_requests(spark, lake))})
    tables = lake.existing(spark, user_tables())

    def rows(table) -> tuple[int, int, set[str]]:
        """The user's rows, all deleted users' rows and the files holding them."""
        by_file = proof.rows_by_file(spark, table, users)
        return sum(c[user] for c in by_file.values()), sum(c.total() for c in by_file.values()), set(by_file)

    in_buckets = sorted({b for b in proof.buckets_of(spark, users)})
    before = {}
    for t in tables:
        mine, everyone, held = rows(t)
        before[t.label] = {
            "version": proof.version(spark, t),
            "user_rows_before": mine,
            "rows_before": everyone,
            "files": proof.live_files(spark, t),
            "files_scanned": proof.bucket_files(spark, t, in_buckets),
            "files_held": held,
        }
    settings = DeleteSettings(request_id=request_id, capture_root=capture_root)
    summary = run_delete_job(spark, lake, settings, progress=progress)
    rewritten = {t.label: proof.files_removed_since(t, before[t.label]["version"]) for t in tables}
    time.sleep(lake.file_retention.total_seconds() + 0.5 if lake.file_retention else 0)
    daily = run_delete_job(spark, lake, DeleteSettings(capture_root=capture_root), progress=progress)
    result = []
    for t in tables:
        b = before[t.label]
        mine, everyone, _ = rows(t)
        result.append(
            {
                "table": t.label,
                "user_rows_before": b["user_rows_before"],
                "user_rows_after": mine,
                "rows_before": b["rows_before"],
                "rows_after": everyone,
                # The delete's MERGE reads only the partitions of the users' buckets (docs/pipeline.md).
                "files": b["files"],
                "files_scanned": b["files_scanned"],
                "files_held": len(b["files_held"]),
                "files_rewritten": len(rewritten[t.label]),
                "rewritten_are_held": rewritten[t.label] == b["files_held"],
                "files_on_disk_after": proof.raw_files_holding(spark, t, users),
            }
        )
    return {
        "user": user,
        "users": len(users),
        "requests": summary.requests,
        # The request's audit row, timestamps as ISO 8601 text as the job's run summary gives them.
        "request": {k: v.isoformat() if isinstance(v, datetime) else v for k, v in summary.request.items()},
        "rows_removed": summary.rows_removed,
        "vacuumed": daily.vacuumed,
        "tables": result,
    }
