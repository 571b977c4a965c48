"""One local SparkSession for the whole run: Spark's start-up dominates a small test, so it is paid once."""

from __future__ import annotations

import shutil

import pytest

from h3_ml.lake import Lake
from h3_ml.session import local_spark


@pytest.fixture(scope="session")
def spark():
    session = local_spark("h3-ml-tests", shuffle_partitions=2)
    yield session
    session.stop()


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
