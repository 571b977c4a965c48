"""Crash injection: hostile data, a crash at each point of ingest and of normalize, then a rerun.

The rerun must leave exactly the rows of a crash-free run: nothing lost, nothing twice. Two Capture files make
two micro-batches (one Capture file per ingest batch; half of bronze's files, one per bucket and batch, per
normalize batch) and the crash hits the second, so the first is committed. Each case also checks what the crash
left behind, so it proves the crash hit where it says.

The normalize cases start from a copy of one lake whose first batch is committed and whose second is planned
(`second_batch_planned`), so each runs only the batch it crashes: Spark replays a planned batch with the files its
offsets name, as after any crash.
"""

import shutil
from types import SimpleNamespace

import pytest
from pyspark.sql import functions as F

from h3_ml import faults as fp
from h3_ml.faults import Faults
from h3_ml.ingest import run_ingest
from h3_ml.lake import Lake
from h3_ml.normalize import run_normalize
from h3_ml.registry import EVENT_SCHEMAS
from h3_ml.tables import EVENTS, QUARANTINE, all_tables

from .hostile import expected, hostile_bodies, mismatches, quarantine_lineage, silver_lineage, write_hostile_capture

pytestmark = pytest.mark.slow  # left out of `make test-python-fast`

SEED = 7
BATCH = 1
ONE_FILE = {"max_files_per_trigger": 1, "progress": lambda _: None}
# Set by the run itself, so they differ between any two runs.
RUN_TIMES = ("ingestedAt", "quarantinedAt")


def rows(spark, lake, specs, version=None) -> dict[str, list[str]]:
    out = {}
    for spec in specs:
        table = lake.table(spec)
        df = (
            table.read(spark)
            if version is None
            else spark.read.format("delta").option("versionAsOf", version).load(table.path)
        )
        kept = [c for c in df.columns if c not in RUN_TIMES]
        out[spec.key] = sorted(r.j for r in df.select(F.to_json(F.struct(*kept)).alias("j")).collect())
    return out


LAKE_TABLES = [spec for spec in all_tables() if spec.schema != "ops"]  # ops tables: written by delete
# Two event types keep each batch to three MERGEs while still giving a crash between two silver tables.
TWO_TYPES = tuple(s for s in EVENT_SCHEMAS if s.event_type in ("measurement.recorded", "workout.completed"))


@pytest.fixture(scope="module")
def crash_free(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("crash")
    capture = str(root / "capture")
    placed = write_hostile_capture(
        capture, hostile_bodies(SEED, scale=0.05, schemas=TWO_TYPES), partitions=2, windows=1
    )
    ingested = Lake.local(str(root / "ingested"))
    run_ingest(spark, capture, ingested, **ONE_FILE)
    reference = Lake.local(str(root / "reference"))
    shutil.copytree(ingested.root, reference.root)
    # Bronze has a file per bucket of each ingest batch: half of them per normalize batch makes two batches.
    files = ingested.table(EVENTS).read(spark).select("_metadata.file_path").distinct().count()
    half = {"max_files_per_trigger": -(-files // 2), "progress": lambda _: None}
    normalized = run_normalize(spark, reference, **half)
    return SimpleNamespace(
        capture=capture,
        placed=placed,
        ingested=ingested,
        reference=reference,
        batches=normalized.batches,
        half=half,
        bronze=rows(spark, ingested, [EVENTS]),
        # Version 0 creates bronze, version 1 is the first ingest batch.
        first_batch=rows(spark, ingested, [EVENTS], version=1),
        normalized=rows(spark, reference, LAKE_TABLES),
    )


def test_the_crash_free_run_is_the_contract(spark, crash_free):
    want = expected(crash_free.placed)
    got = quarantine_lineage(spark, crash_free.reference)
    assert silver_lineage(spark, crash_free.reference) == want.silver
    assert (got.keys(), mismatches(got, want)) == (want.quarantine.keys(), {})
    assert crash_free.batches == 2
    assert len(crash_free.bronze[EVENTS.key]) == len(crash_free.placed) == 68
    assert 0 < len(crash_free.first_batch[EVENTS.key]) < 68
    assert {t for t, _ in want.silver} == {s.event_type for s in TWO_TYPES}


# What the crash in the second batch leaves: bronze's first batch or both, for ingest; for normalize, whether the
# quarantine is complete and how many silver tables are.
INGEST_LEFT = {fp.INGEST_BEFORE_WRITE: "first_batch", fp.INGEST_AFTER_WRITE: "bronze"}
NORMALIZE_LEFT = {
    fp.NORMALIZE_BEFORE_WRITE: (False, 0),
    fp.NORMALIZE_AFTER_TABLE: (True, 0),  # the quarantine is written first
    fp.NORMALIZE_AFTER_SILVER_TABLE: (True, 1),
    fp.NORMALIZE_BEFORE_COMMIT: (True, 2),
}


@pytest.mark.parametrize("point", sorted(INGEST_LEFT))
def test_ingest_crash_then_rerun_gives_the_crash_free_bronze(spark, crash_free, tmp_path, point):
    lake = Lake.local(str(tmp_path / "lake"))
    with pytest.raises(Exception, match=f"injected crash at {point} in batch {BATCH}"):
        run_ingest(spark, crash_free.capture, lake, faults=Faults(crash_at={(point, BATCH)}), **ONE_FILE)
    assert rows(spark, lake, [EVENTS]) == getattr(crash_free, INGEST_LEFT[point])

    rerun = run_ingest(spark, crash_free.capture, lake, **ONE_FILE)
    assert rerun.bronze_rows == len(crash_free.placed)
    assert rows(spark, lake, [EVENTS]) == crash_free.bronze
    assert run_ingest(spark, crash_free.capture, lake, **ONE_FILE).messages_read == 0  # the checkpoint is whole


@pytest.fixture(scope="module")
def second_batch_planned(spark, crash_free, tmp_path_factory) -> Lake:
    """The lake a crash before normalize writes anything of its second batch leaves: the first batch committed."""
    lake = Lake.local(str(tmp_path_factory.mktemp("planned") / "lake"))
    shutil.copytree(crash_free.ingested.root, lake.root)
    point = fp.NORMALIZE_BEFORE_WRITE
    with pytest.raises(Exception, match=f"injected crash at {point} in batch {BATCH}"):
        run_normalize(spark, lake, faults=Faults(crash_at={(point, BATCH)}), **crash_free.half)
    return lake


@pytest.mark.parametrize("point", sorted(NORMALIZE_LEFT))
def test_normalize_crash_then_rerun_gives_the_crash_free_tables(
    spark, crash_free, second_batch_planned, tmp_path, point
):
    lake = Lake.local(str(tmp_path / "lake"))
    shutil.copytree(second_batch_planned.root, lake.root)
    with pytest.raises(Exception, match=f"injected crash at {point} in batch {BATCH}"):
        # One table at a time, so the crash falls at a known place between them.
        run_normalize(spark, lake, faults=Faults(crash_at={(point, BATCH)}), tables_in_parallel=1, **crash_free.half)
    left = rows(spark, lake, LAKE_TABLES)
    final = crash_free.normalized
    silver_done = sum(
        left[k] == final[k] for k in final if k.startswith("silver.") and k != QUARANTINE.key and final[k]
    )
    assert (left[QUARANTINE.key] == final[QUARANTINE.key], silver_done) == NORMALIZE_LEFT[point]

    rerun = run_normalize(spark, lake, **crash_free.half)
    assert rows(spark, lake, LAKE_TABLES) == final
    assert rerun.batches == 1  # the crashed batch, replayed


def test_normalize_crash_while_tables_are_written_side_by_side_is_recovered(
    spark, crash_free, second_batch_planned, tmp_path
):
    lake = Lake.local(str(tmp_path / "lake"))
    shutil.copytree(second_batch_planned.root, lake.root)
    crash = Faults(crash_at={(fp.NORMALIZE_AFTER_SILVER_TABLE, BATCH)})
    with pytest.raises(Exception, match=f"injected crash at {fp.NORMALIZE_AFTER_SILVER_TABLE} in batch {BATCH}"):
        run_normalize(spark, lake, faults=crash, tables_in_parallel=8, **crash_free.half)
    rerun = run_normalize(spark, lake, **crash_free.half)
    assert rows(spark, lake, LAKE_TABLES) == crash_free.normalized
    assert rerun.batches == 1
