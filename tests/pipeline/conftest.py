"""One local SparkSession per pytest worker: Spark's start-up dominates a small test, so each worker pays it once.

`pyproject.toml` runs two workers (pytest-xdist), a test file per worker at a time, so a module's fixtures are
built once."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from h3_ml.lake import Lake
from h3_ml.session import local_spark

# JVM options for the tests' short runs, each a different mix of Spark and Delta code on tens of rows. Results are
# the same without them; the suite's CPU is not (docs/testing.md):
# - the optimizing compiler (C2) takes a method at 16 times the calls and loop turns it waits for by default (5000
#   calls): by default it spent much of the JVM's CPU compiling methods that barely ran;
# - the serial collector, which the JDK's GC guide suggests for small data sets: G1's concurrent and parallel threads
#   cost more than they save with two JVMs on two cores
#   (https://docs.oracle.com/en/java/javase/17/gctuning/available-collectors.html).
TEST_JVM = (
    "-XX:Tier4InvocationThreshold=80000 -XX:Tier4MinInvocationThreshold=9600 "
    "-XX:Tier4CompileThreshold=240000 -XX:Tier4BackEdgeThreshold=640000 -XX:+UseSerialGC"
)


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    # One task at a time in each worker's JVM: the two workers' JVMs already share the two cores, and a second
    # task thread per JVM only split each shuffle into twice the tasks, each serialized, scheduled and writing
    # its own files (measured in docs/testing.md). A file read is still split in two where the files allow, so
    # the ingest's path for a batch of several partitions runs (test_layout.py asserts it).
    session = local_spark(
        "h3-ml-tests",
        shuffle_partitions=1,
        cores=1,
        read_partitions=2,
        warehouse_dir=str(tmp_path_factory.mktemp("warehouse")),
        java_options=TEST_JVM,
    )
    # Interpreted expressions instead of generated code: on the tests' tens of rows, compiling code for each new
    # query shape costs more than it saves (a quarter of the suite's time). Results are the same either way.
    session.conf.set("spark.sql.codegen.wholeStage", "false")
    session.conf.set("spark.sql.codegen.factoryMode", "NO_CODEGEN")
    # No adaptive execution: it plans each shuffle stage again once the stage before it has run, which pays off on
    # large skewed data and only adds planning on tens of rows. Databricks keeps it on; results are the same
    # (https://spark.apache.org/docs/4.0.1/sql-performance-tuning.html#adaptive-query-execution).
    session.conf.set("spark.sql.adaptive.enabled", "false")
    yield session
    session.stop()


# The workers take whole files in this order, longest first (`--no-loadscope-reorder` in pyproject.toml keeps it;
# ranked by `pytest --durations=0`), so the last files handed out are short and neither worker idles while the
# other finishes a long one. Files not named follow in collection order.
LONGEST_FIRST = (
    "test_crash_recovery.py",
    "test_deletion.py",
    "test_demo_report.py",
    "test_end_to_end.py",
    "test_layout.py",
    "test_concurrency_deletion.py",
    "test_ingest.py",
    "test_refusals.py",
    "test_watchdog.py",
    "test_normalize.py",
    "test_fuzz_data.py",
)


def pytest_collection_modifyitems(items):
    stale = [name for name in LONGEST_FIRST if not (Path(__file__).parent / name).is_file()]
    if stale:
        raise pytest.UsageError(f"LONGEST_FIRST in {__file__} names {stale}: no such test file, fix the list")
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


_catalog_lakes = itertools.count(1)


def catalog_lake(spark, tmp_path) -> Lake:
    """A lake of tables named in Spark's session catalog, as on Databricks: `spark_catalog.<prefix>bronze.events`.

    Unity Catalog's schemas come from the infrastructure program, so the test creates them; its own prefix keeps
    each test's tables apart in the one catalog the session has.
    """
    lake = Lake(
        checkpoints=str(tmp_path / "checkpoints"), catalog="spark_catalog", schema_prefix=f"t{next(_catalog_lakes)}_"
    )
    for schema in ("bronze", "silver", "ops"):
        spark.sql(f"CREATE SCHEMA {lake.catalog}.{lake.schema_prefix}{schema}")
    return lake


@pytest.fixture(params=["folder", "catalog"])
def any_lake(request, spark, tmp_path) -> Lake:
    """The lake by folder (local runs) and by name in a catalog (Databricks): the same test runs on both."""
    if request.param == "folder":
        return Lake.local(str(tmp_path / "lake"))
    return catalog_lake(spark, tmp_path)


@pytest.fixture
def lake(tmp_path) -> Lake:
    return Lake.local(str(tmp_path / "lake"))


@pytest.fixture
def capture_root(tmp_path) -> str:
    return str(tmp_path / "capture")


@pytest.fixture(scope="session")
def built_lake(spark, tmp_path_factory):
    """Scenario capture ingested and normalized once; tests that write get a copy (see `scenario_lake`)."""
    from h3_ml.ingest import run_ingest
    from h3_ml.normalize import run_normalize

    from .scenario import write_scenario

    root = tmp_path_factory.mktemp("built")
    write_scenario(str(root / "capture"))
    lake = Lake.local(str(root / "lake"))
    run_ingest(spark, str(root / "capture"), lake, progress=lambda _: None)
    run_normalize(spark, lake, progress=lambda _: None)
    return root


@pytest.fixture
def scenario_lake(built_lake, tmp_path) -> Lake:
    shutil.copytree(built_lake, tmp_path / "built")
    return Lake.local(str(tmp_path / "built" / "lake"))
