import json
import re

import fastavro
import pytest

from h3_ml.cli import main
from h3_ml.generate import generate

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
    assert {k: v["rows"] for k, v in report["tables"].items()} == {**ROWS, "ops.deletion_audit": None}
    assert report["tables"]["bronze.events"]["location"] == f"{scenario_lake.root}/bronze/events"
    assert report["quarantine_by_reason"] == {"not_json": 2, "wrong_type": 1}
