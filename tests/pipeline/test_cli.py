import json
import re
from pathlib import Path

import fastavro
import pytest

from h3_ml import deletion, session
from h3_ml.cli import main
from h3_ml.deletion import DeleteSettings, DeletionSummary
from h3_ml.generate import generate

from .helpers import DbUtils
from .scenario import ROWS


def test_fails_on_bad_arguments_naming_them(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        main(["generate", "--out", str(tmp_path), "--users", "0", "--events", "5"])
    assert exit_.value.code == 2
    assert "--users must be 1 or more, got 0" in capsys.readouterr().err

    with pytest.raises(SystemExit):
        main(["ingest", "--capture", str(tmp_path / "nope"), "--lake", str(tmp_path)])
    assert f"--capture '{tmp_path / 'nope'}' is not a folder" in capsys.readouterr().err

    with pytest.raises(SystemExit) as exit_:
        main(["report", "--lake", str(tmp_path / "missing")])
    assert "is not a folder: run `ingest" in str(exit_.value.code)


def test_generate_writes_capture_files(tmp_path, capsys):
    assert main(["generate", "--out", str(tmp_path), "--users", "10", "--events", "200", "--seed", "4"]) == 0
    files = sorted(tmp_path.rglob("*.avro"))
    layout = re.compile(r"h3-ns/events/[0-3]/2026/11/26/\d\d/\d\d/\d\d\.avro$")
    assert files and all(layout.search(f.as_posix()) for f in files)
    records = 0
    for f in files:
        with f.open("rb") as stream:
            reader = fastavro.reader(stream)
            assert reader.codec == "deflate"
            assert reader.writer_schema["name"] == "Microsoft.ServiceBus.Messaging.EventData"
            records += sum(1 for _ in reader)
    assert records == 200
    assert "messages           200" in capsys.readouterr().out


def test_generation_is_reproducible_and_mixes_in_the_imperfections(tmp_path):
    first = generate(tmp_path / "a", users=30, events=1000, seed=9)
    second = generate(tmp_path / "b", users=30, events=1000, seed=9)
    assert first == second
    assert first.messages == 1000
    assert first.duplicates > 0 and first.malformed > 0 and first.deletion_requests > 0
    a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.avro"))
    b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.avro"))
    assert a == b


def test_report_lists_every_table_and_quarantine_reasons(spark, scenario_lake, capsys):
    assert main(["report", "--lake", scenario_lake.root]) == 0
    report = json.loads(capsys.readouterr().out)
    ops = {"ops.deletion_audit": None, "ops.audit_salt": None, "ops.capture_files": None}
    assert {k: v["rows"] for k, v in report["tables"].items()} == {**ROWS, **ops}
    assert report["tables"]["bronze.events"]["location"] == f"{scenario_lake.root}/bronze/events"
    assert report["quarantine_by_reason"] == {
        "missing_required_field": 1,
        "not_json": 3,
        "not_utf8": 1,
        "wrong_type": 1,
    }


def test_the_local_runner_runs_the_delete_job_as_the_notebook_does(monkeypatch, tmp_path):
    """One function, `run_delete_job`, is the delete job: the notebook and `python -m h3_ml delete` call it with
    the same checked parameters, the lake's location aside."""
    calls = []

    def record(spark, lake, settings, **options):
        calls.append((lake, settings))
        return DeletionSummary()

    monkeypatch.setattr(deletion, "run_delete_job", record)
    monkeypatch.setattr(session, "local_spark", lambda: "a local session")
    capture, lake = tmp_path / "capture", tmp_path / "lake"
    capture.mkdir()
    lake.mkdir()
    given = {"request_id": "req-1", "deletion_sla_days": "20", "capture_lag_hours": "12", "rotate_salt": "true"}

    notebook = Path(__file__).resolve().parents[2] / "notebooks" / "delete_user_data.py"
    location = {"catalog": "h3_dev", "checkpoints": "/Volumes/h3_dev/ops/checkpoints"}
    dbutils = DbUtils({**location, "capture_root": str(capture), **given})
    exec(compile(notebook.read_text(), str(notebook), "exec"), {"dbutils": dbutils, "spark": "the job's session"})
    options = [f"--{k.replace('_', '-')}={v}" for k, v in given.items()]
    assert main(["delete", "--lake", str(lake), "--capture", str(capture), *options]) == 0

    (on_databricks, databricks_settings), (local, local_settings) = calls
    assert (
        databricks_settings
        == local_settings
        == DeleteSettings(
            request_id="req-1", capture_root=str(capture), open_request_hours=30, capture_lag_hours=12, rotate_salt=True
        )
    )
    assert (on_databricks.catalog, local.root) == ("h3_dev", str(lake))
    assert (on_databricks.deletion_sla_days, on_databricks.unattributed) == (
        local.deletion_sla_days,
        local.unattributed,
    )
    assert json.loads(dbutils.notebook.exited)["requests"] == 0
