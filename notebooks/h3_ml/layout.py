"""How the jobs lay rows out in files, which decides what deleting one user reads and rewrites."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def clustered_by_user(rows: DataFrame, user_column: str, files: int) -> DataFrame:
    """The rows in `files` partitions by user, so one write puts each user's rows in one file.

    Deleting a user then rewrites one file per write instead of every file of it (a write spread over its
    tasks gives every file a share of every user). `bench/pipeline.py` measures the files rewritten.
    """
    return rows.repartition(max(1, files), F.col(user_column))
