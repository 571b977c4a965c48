"""The demo report's figures checked against the lake they describe, and the HTML that shows them."""

import hashlib
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from h3_ml.lake import Lake
from h3_ml.tables import AUDIT_SALT, DELETION_AUDIT, EVENTS, QUARANTINE, all_tables, user_tables

from .helpers import files_holding

# The report is tooling, not job code, so it lives outside notebooks/ (which is deployed to Databricks).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from demo_report.figures import plan_components
from demo_report.run import main, run_demo, write_report

pytestmark = pytest.mark.slow  # left out of `make test-python-fast`

USER = "u-0003"
PLAN = {
    "stack": "dev",
    "resources": [
        {"urn": "rg", "type": "azure-native:resources:ResourceGroup", "name": "rg", "parent": None},
        {"urn": "lake", "type": "h3:storage:DataLake", "name": "lake", "parent": None},
        {"urn": "acct", "type": "azure-native:storage:StorageAccount", "name": "lake-account", "parent": "lake"},
        {"urn": "c1", "type": "azure-native:storage:BlobContainer", "name": "lake-capture", "parent": "acct"},
        {"urn": "jobs", "type": "h3:databricks:DatabricksJobs", "name": "jobs", "parent": None},
        {"urn": "inner", "type": "h3:databricks:Inner", "name": "jobs-inner", "parent": "jobs"},
        {"urn": "j1", "type": "databricks:index/job:Job", "name": "jobs-ingest", "parent": "inner"},
    ],
}


@pytest.fixture(scope="module")
def demo(spark, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    figures = run_demo(spark, out, users=8, events=300, seed=3, user=USER, plan=PLAN)
    html = write_report(figures, out).read_text()
    return Lake.local(str((out / "lake").resolve())), figures, html


def embedded(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="figures">(.*?)</script>', html, re.S)
    return json.loads(found.group(1).replace("<\\/", "</"))


def test_the_report_embeds_the_figures_it_shows(demo):
    _, figures, html = demo
    assert embedded(html) == json.loads(json.dumps(figures))
    assert "<svg" in html and "http://" not in html.replace("http://www.w3.org", "") and "<script src" not in html
    for key, rows in figures["tables"].items():
        shown = "-" if rows is None else f"{rows:,}"  # a table the run did not create
        assert f"<td>{key}</td><td class='n'>{shown}</td>" in html
    for reason, n in figures["quarantine"].items():
        assert f"<td>{reason}</td><td class='n'>{n:,}</td>" in html


def test_rows_per_table_and_quarantine_reasons_match_the_lake(spark, demo):
    lake, figures, _ = demo
    assert figures["tables"] == {
        s.key: lake.table(s).read(spark).count() if lake.table(s).exists(spark) else None for s in all_tables()
    }
    reasons = lake.table(QUARANTINE).read(spark).groupBy("reason").count().collect()
    assert figures["quarantine"] == {r.reason: r["count"] for r in reasons}
    assert sum(figures["quarantine"].values()) > 0


def test_events_per_hour_match_the_lake(spark, demo):
    lake, figures, _ = demo

    def by_hour(spec) -> dict[str, int]:
        hours: dict[str, int] = {}
        for r in lake.table(spec).read(spark).select("enqueuedTime").collect():
            key = r.enqueuedTime.replace(tzinfo=UTC).strftime("%Y-%m-%d %H:00")
            hours[key] = hours.get(key, 0) + 1
        return hours

    captured, quarantined = by_hour(EVENTS), by_hour(QUARANTINE)
    assert {h["hour"]: h["captured"] for h in figures["events_per_hour"]} == captured
    assert {h["hour"]: h["quarantined"] for h in figures["events_per_hour"] if h["quarantined"]} == quarantined
    assert len(captured) > 1  # twenty seconds between 300 messages: more than one hour


def test_the_deletion_proof_matches_the_lake_and_its_audit(spark, demo):
    lake, figures, _ = demo
    deletion = figures["deletion"]
    audit = lake.table(DELETION_AUDIT).read(spark).collect()
    (salt,) = [r.salt for r in lake.table(AUDIT_SALT).read(spark).collect()]
    mine = next(r for r in audit if r.userHash == hashlib.sha256(f"{salt}:{USER}".encode()).hexdigest())
    assert deletion["user"] == USER and deletion["users"] == len(audit)
    tables = {t["table"]: t for t in deletion["tables"]}
    assert sorted(tables) == sorted(s.key for s in user_tables())
    for spec in user_tables():
        row, table = tables[spec.key], lake.table(spec)
        assert row["user_rows_before"] == mine.rowsRemoved[spec.key]
        assert row["rows_before"] == sum(r.rowsRemoved[spec.key] for r in audit)
        assert row["user_rows_after"] == table.read(spark).filter(F.col("userId") == USER).count() == 0
        assert row["files_on_disk_after"] == 0
        assert row["files_rewritten"] == row["files_held"] and row["rewritten_are_held"]
        assert row["files"] >= row["files_scanned"] >= row["files_held"]
    assert tables["bronze.events"]["user_rows_before"] > 0
    assert deletion["rows_removed"] == {k: t["rows_before"] for k, t in tables.items()}
    # The file checks could fail: the user's rows were in files, which the delete's commits rewrote.
    assert tables["bronze.events"]["files_held"] > 0


def test_no_file_under_the_lake_holds_the_user_after_the_daily_run(demo):
    """The folder path's end to end: every table's files, referenced or not, their logs and the streams'
    checkpoints. (`test_end_to_end.py` proves the same on catalog names.)"""
    lake, figures, _ = demo
    files = list(Path(lake.root).rglob("*"))
    assert {"_delta_log", "_checkpoints"} <= {part for p in files for part in p.relative_to(lake.root).parts}
    # The check can fail: the user's rows were in bronze's files before the delete (figures' files_held).
    assert {t["table"]: t["files_held"] for t in figures["deletion"]["tables"]}["bronze.events"] > 0
    assert files_holding(files, USER) == []


def test_plan_resources_are_counted_per_top_level_component():
    assert plan_components(PLAN) == {
        "stack": "dev",
        "components": [
            {"name": "lake", "type": "h3:storage:DataLake", "resources": 2},
            {"name": "(stack)", "type": "top-level resources", "resources": 1},
            {"name": "jobs", "type": "h3:databricks:DatabricksJobs", "resources": 1},
        ],
        "total": 4,
    }


def test_bad_arguments_name_the_argument_and_the_fix(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--users", "0"])
    assert "--users must be a whole number of 1 or more, got '0'" in capsys.readouterr().err
    assert main(["--out", str(tmp_path), "--plan", str(tmp_path / "nope.json")]) == 2
    assert "write it with `npx tsx tools/demo_report/plan.ts dev <file>`" in capsys.readouterr().err


def test_created_is_a_timestamp(demo):
    datetime.strptime(demo[1]["created"], "%Y-%m-%d %H:%M UTC")
