"""The audit salt: random bytes per version in `ops.audit_salt`, created by the delete job on its first run.

The audit keeps `sha256("<salt>:<userId>")` per request, never the id; whoever holds the salt can confirm a
guessed id against the audit, so the salt lives only where the delete job's principal can read it (grants on the
ops schema), never in Pulumi state or a job parameter. It enters Spark as a DataFrame joined to the ids, never as
a literal, so neither appears in a query plan, the Spark UI or an event log.

Versions: every audit row records the `saltVersion` its hash was made with, and matching an id against the audit
hashes it with every version the audit uses. A rotation adds a version; it is refused while a request is open,
because an open row can only be completed by the version it was opened with.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from h3_ml.commits import insert_missing
from h3_ml.lake import Lake, TableRef
from h3_ml.tables import AUDIT_SALT, DELETION_AUDIT

# Audit rows written before salt versions existed were hashed with the salt then kept in a secret scope.
UNVERSIONED = 0
_SALT_BYTES = 32


class SaltRotationRefused(RuntimeError):
    """A rotation asked for while requests are open."""


def ensure_salt(spark: SparkSession, lake: Lake, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> int:
    """Creates `ops.audit_salt` with its first version if it has none; returns the current version."""
    table = lake.table(AUDIT_SALT).ensure(spark, lake)
    current = current_version(spark, table)
    if current is None:
        _add_version(spark, table, 1, now())
        current = current_version(spark, table)
    return current


def current_version(spark: SparkSession, table: TableRef) -> int | None:
    return table.read(spark).agg(F.max("saltVersion").alias("v")).first()["v"]


def salts(spark: SparkSession, lake: Lake) -> DataFrame:
    """Every version as (`saltVersion`, `salt`), to be joined, never collected."""
    return lake.table(AUDIT_SALT).read(spark).select("saltVersion", "salt")


def hash_column(salt: Column, user_id: Column) -> Column:
    """The audit's user hash: `sha2("<salt>:<userId>", 256)`, both columns of the joined frames."""
    return F.sha2(F.concat(salt, F.lit(":"), user_id), 256)


def with_hashes(ids: DataFrame, salt_rows: DataFrame, column: str = "userId") -> DataFrame:
    """`ids` once per salt version in `salt_rows`, with `saltVersion` and `userHash`."""
    joined = ids.crossJoin(F.broadcast(salt_rows))
    return joined.withColumn("userHash", hash_column(F.col("salt"), F.col(column))).drop("salt")


def rotate(spark: SparkSession, lake: Lake, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> int:
    """Adds a salt version for the requests to come; refused while any request is open. Returns the new version."""
    audit = lake.table(DELETION_AUDIT)
    open_ids = sorted(r.requestId for r in audit.read(spark).filter(F.col("completedAt").isNull()).collect())
    if open_ids:
        shown = ", ".join(open_ids[:5]) + (f" and {len(open_ids) - 5} more" if len(open_ids) > 5 else "")
        raise SaltRotationRefused(
            f"audit salt rotation refused: {len(open_ids)} deletion requests are open ({shown}), and an open "
            "request is completed with the salt version it was opened with. Fix: let the delete job complete them "
            "(a run without rotate_salt), then rotate again"
        )
    table = lake.table(AUDIT_SALT)
    version = (current_version(spark, table) or 0) + 1
    _add_version(spark, table, version, now())
    return version


def _add_version(spark: SparkSession, table: TableRef, version: int, at: datetime) -> None:
    # Inserted only if no run added this version meanwhile. The frame comes from local data, which Spark plans
    # as a scan of an RDD: the value is in no plan text.
    row = spark.createDataFrame([(version, secrets.token_hex(_SALT_BYTES), at)], AUDIT_SALT.columns)
    insert_missing(spark, table, row, on="t.saltVersion = s.saltVersion", what=f"salt {table.label}")
