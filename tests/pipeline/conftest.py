"""One local SparkSession for the whole run: Spark's start-up dominates a small test, so it is paid once."""

from __future__ import annotations

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
