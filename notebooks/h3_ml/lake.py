"""Where tables and checkpoints live: Unity Catalog names on Databricks, plain folders locally.

This and `capture.read_capture_stream` are the seam between Databricks and local runs; every job takes a
`Lake` and never builds a table location itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from h3_ml import parameters
from h3_ml import tables as registered
from h3_ml.tables import BUCKET, TableSpec, user_bucket

DEFAULT_DELETION_SLA_DAYS = parameters.contract()["deletion_sla_days"].default
DEFAULT_UNATTRIBUTED_DAYS = 7
VECTORS = "delta.enableDeletionVectors"
# Set once no deletion vector is left in the table's current files (see `TableRef.ensure`).
VECTORS_PURGED = "h3_ml.deletionVectorsPurged"
# The user bucket count a user table's rows were written with (`tables.USER_BUCKETS`).
BUCKETS = "h3_ml.userBuckets"
# A deletion waits for the next daily run, then for VACUUM's retention, then for the run after that.
_SCHEDULE_SLACK_DAYS = 2
_SCHEMA_PREFIX = re.compile(parameters.contract()["schema_prefix"].pattern)
# Databricks recommends no VACUUM retention under 7 days: a longer query may still read the files
# (https://learn.microsoft.com/azure/databricks/delta/vacuum, "Why can't you vacuum a Delta table with a low
# retention threshold?").
_MIN_RETENTION_DAYS = 7


def quote(*parts: str) -> str:
    """A SQL identifier of one or more parts, each in backticks (a backtick inside doubled), so no name a job
    parameter sets can change the statement it is put in."""
    return ".".join("`" + part.replace("`", "``") + "`" for part in parts)


class TableRefused(RuntimeError):
    """A table the delete job cannot delete from correctly: refused before anything is deleted."""


@dataclass(frozen=True)
class Lake:
    """Exactly one of `root` (local folder) or `catalog` (Unity Catalog) is set."""

    checkpoints: str
    root: str | None = None
    catalog: str | None = None
    # Put before every schema name, so stacks that share one catalog keep their tables apart (`dev_ada_bronze`).
    schema_prefix: str = ""
    deletion_sla_days: int = DEFAULT_DELETION_SLA_DAYS
    # Days after which rows naming no user are deleted; None: DEFAULT_UNATTRIBUTED_DAYS, or less when the SLA
    # allows less (`unattributed`).
    unattributed_days: int | None = None
    # Only tests set this: the retention of rewritten files on every table instead of the one the SLA gives, so a
    # test can let it pass (Delta applies the property as it is when VACUUM names no RETAIN).
    file_retention: timedelta | None = None

    def __post_init__(self) -> None:
        if (self.root is None) == (self.catalog is None):
            raise ValueError(
                f"Lake needs exactly one of root (a folder) or catalog (a Unity Catalog name), "
                f"got root={self.root!r} catalog={self.catalog!r}"
            )
        if not _SCHEMA_PREFIX.fullmatch(self.schema_prefix):
            raise ValueError(
                "schema_prefix must be empty or start with a lowercase letter and hold only lowercase letters, "
                f"digits and underscores, ending with '_' (e.g. 'dev_ada_'), got {self.schema_prefix!r}: fix the "
                "job parameter schema_prefix"
            )
        minimum = _MIN_RETENTION_DAYS + _SCHEDULE_SLACK_DAYS
        if self.deletion_sla_days < minimum:
            raise ValueError(
                f"deletion_sla_days must be at least {minimum} (VACUUM keeps files {_MIN_RETENTION_DAYS} days "
                f"at least, plus {_SCHEDULE_SLACK_DAYS} days of schedule), got {self.deletion_sla_days}"
            )
        most = self.deletion_sla_days - minimum
        if self.unattributed_days is not None and not 0 <= self.unattributed_days <= most:
            raise ValueError(
                f"unattributed_days is {self.unattributed_days} with deletion_sla_days {self.deletion_sla_days}: "
                f"rows naming no user wait that long before they are deleted, then their files wait for the "
                f"retention ({_MIN_RETENTION_DAYS} days at least) and the schedule ({_SCHEDULE_SLACK_DAYS} days), "
                f"so it can be 0..{most}. Fix: lower unattributed_days, or raise deletion_sla_days"
            )

    @property
    def unattributed(self) -> int:
        """Days after which rows naming no user are deleted."""
        if self.unattributed_days is not None:
            return self.unattributed_days
        return min(DEFAULT_UNATTRIBUTED_DAYS, self.deletion_sla_days - _MIN_RETENTION_DAYS - _SCHEDULE_SLACK_DAYS)

    @classmethod
    def from_parameters(cls, params: dict[str, object], *, root: str | None = None) -> Lake:
        """The lake of a job's checked parameters (`parameters.parse`): Unity Catalog names, or with `root` (the
        local runner's `--lake`) folders."""
        settings = {"deletion_sla_days": params["deletion_sla_days"], "unattributed_days": params["unattributed_days"]}
        if root is not None:
            return cls.local(root, **settings)
        return cls(
            checkpoints=params["checkpoints"],
            catalog=params["catalog"],
            schema_prefix=params["schema_prefix"],
            **settings,
        )

    @classmethod
    def local(cls, root: str, **kwargs) -> Lake:
        root = root.rstrip("/")
        return cls(checkpoints=f"{root}/_checkpoints", root=root, **kwargs)

    def schema(self, spec: TableSpec) -> str:
        return f"{self.schema_prefix}{spec.schema}"

    def table(self, spec: TableSpec) -> TableRef:
        if self.root is not None:
            return TableRef(spec, path=f"{self.root}/{self.schema(spec)}/{spec.name}")
        return TableRef(spec, name=quote(self.catalog, self.schema(spec), spec.name))

    def schemas(self) -> list[str]:
        """The stack's schemas: those of every registered table."""
        return sorted({self.schema(spec) for spec in registered.all_tables()})

    def stack_tables(self, spark: SparkSession) -> list[str]:
        """Every table in the stack's schemas as `schema.name`, registered or not (views hold no rows: left out)."""
        found = []
        for schema in self.schemas():
            if self.root is not None:
                folder = Path(self.root) / schema
                found += [f"{schema}.{p.parent.name}" for p in sorted(folder.glob("*/_delta_log"))]
            elif spark.catalog.databaseExists(quote(self.catalog, schema)):
                where = quote(self.catalog, schema)
                views = {r.viewName for r in spark.sql(f"SHOW VIEWS IN {where}").collect()}
                tables = spark.sql(f"SHOW TABLES IN {where}").collect()
                found += [f"{schema}.{t.tableName}" for t in tables if t.tableName not in views and not t.isTemporary]
        return sorted(found)

    def unknown_tables(self, spark: SparkSession) -> list[str]:
        """Tables in the stack's schemas that no registered spec describes."""
        known = {f"{self.schema(spec)}.{spec.name}" for spec in registered.all_tables()}
        return [t for t in self.stack_tables(spark) if t not in known]

    def existing(self, spark: SparkSession, specs: Iterable[TableSpec]) -> list[TableRef]:
        """The tables of `specs` that exist, in order."""
        return [t for t in (self.table(spec) for spec in specs) if t.exists(spark)]

    def checkpoint(self, job: str) -> str:
        return f"{self.checkpoints.rstrip('/')}/{job}"

    def retention_days(self, spec: TableSpec) -> int:
        """Days a table keeps rewritten files and log entries: the SLA less the schedule's slack, and on a table
        that holds rows naming no user, less the days those rows wait too."""
        days = self.deletion_sla_days - _SCHEDULE_SLACK_DAYS
        return days - self.unattributed if spec.unattributed else days

    def properties(self, spec: TableSpec) -> dict[str, str]:
        """Set explicitly on every table so OSS Delta and Databricks (whose defaults differ) behave alike."""
        retention = f"interval {self.retention_days(spec)} days"
        files = (
            retention if self.file_retention is None else f"interval {int(self.file_retention.total_seconds())} seconds"
        )
        buckets = {BUCKETS: str(registered.USER_BUCKETS)} if spec.user_column else {}
        return {
            # Off: every writer rewrites the files it deletes or updates rows in, so a deleted row's bytes leave
            # the current files in the same commit, with no `REORG ... APPLY (PURGE)` pass to rewrite them again
            # (with vectors on, a hidden old copy of a row can sit in a file deletion never touches).
            VECTORS: "false",
            VECTORS_PURGED: "true",  # a table created with vectors off has none
            # Off on purpose: `_change_data` files would be one more copy of deleted rows to purge.
            "delta.enableChangeDataFeed": "false",
            # VACUUM without RETAIN removes files unreferenced for longer than this
            # (https://docs.databricks.com/sql/language-manual/delta-vacuum.html).
            "delta.deletedFileRetentionDuration": files,
            "delta.logRetentionDuration": retention,
            "delta.dataSkippingStatsColumns": ",".join(spec.stats_columns),
            **buckets,
        }


@dataclass(frozen=True)
class TableRef:
    spec: TableSpec
    path: str | None = None
    name: str | None = None

    @property
    def sql(self) -> str:
        """The identifier to use in SQL text, quoted."""
        return f"delta.{quote(self.path)}" if self.path is not None else self.name

    @property
    def label(self) -> str:
        return self.spec.key

    def exists(self, spark: SparkSession) -> bool:
        if self.path is not None:
            return DeltaTable.isDeltaTable(spark, self.path)
        return spark.catalog.tableExists(self.name)

    def delta(self, spark: SparkSession) -> DeltaTable:
        if self.path is not None:
            return DeltaTable.forPath(spark, self.path)
        return DeltaTable.forName(spark, self.name)

    def read(self, spark: SparkSession) -> DataFrame:
        return spark.read.format("delta").load(self.path) if self.path else spark.read.table(self.name)

    def read_stream(self, spark: SparkSession, **options: str) -> DataFrame:
        reader = spark.readStream.format("delta").options(**options)
        return reader.load(self.path) if self.path else reader.table(self.name)

    def append(self, df: DataFrame, **options: str) -> None:
        writer = df.write.format("delta").mode("append").options(**options)
        if self.path is not None:
            writer.save(self.path)
        else:
            writer.saveAsTable(self.name)

    def ensure(self, spark: SparkSession, lake: Lake) -> TableRef:
        """Creates the table, or brings an existing one up to the registry: new columns, current properties.

        Changes nothing, and commits nothing, when the table is up to date: a metadata commit fails every
        concurrent write to the table (https://docs.databricks.com/optimizations/isolation-level.html, "Metadata
        changes cause all concurrent write operations to fail"), and every job ensures its tables on each start.
        """
        wanted = lake.properties(self.spec)
        partitioned = self.spec.partition_columns
        if not self.exists(spark):
            columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in self.spec.columns.fields)
            props = ", ".join(f"'{k}' = '{v}'" for k, v in wanted.items())
            by = f" PARTITIONED BY ({', '.join(partitioned)})" if partitioned else ""
            spark.sql(f"CREATE TABLE IF NOT EXISTS {self.sql} ({columns}) USING DELTA{by} TBLPROPERTIES ({props})")
            return self
        have = set(self.delta(spark).toDF().columns)
        missing = [f for f in self.spec.columns.fields if f.name not in have and f.name not in partitioned]
        if missing:
            added = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in missing)
            spark.sql(f"ALTER TABLE {self.sql} ADD COLUMNS ({added})")
        if not set(partitioned) <= have:
            self._partition_by_bucket(spark)
        properties = self.properties(spark)
        if self.spec.user_column:
            self._check_buckets(spark, properties)
        changed = {k: v for k, v in wanted.items() if k != VECTORS_PURGED and properties.get(k) != v}
        if changed:
            props = ", ".join(f"'{k}' = '{v}'" for k, v in changed.items())
            spark.sql(f"ALTER TABLE {self.sql} SET TBLPROPERTIES ({props})")
        if _may_hold_vectors(properties):
            # Vectors written while they were on still hide rows whose bytes sit in current files. Marked only
            # once purged, so a run that stops in between purges on the next run.
            spark.sql(f"REORG TABLE {self.sql} APPLY (PURGE)")
            spark.sql(f"ALTER TABLE {self.sql} SET TBLPROPERTIES ('{VECTORS_PURGED}' = 'true')")
        return self

    def _check_buckets(self, spark: SparkSession, properties: dict[str, str]) -> None:
        """Refuses a table written with another bucket count; gives a table without a recorded count every row's
        bucket (`BUCKETS` is then recorded with the other properties).

        A deletion's MERGE looks for a user in `user_bucket(userId)` only: a row in another bucket would be
        silently missed.
        """
        if properties.get(BUCKETS) is None:
            if self.read(spark).filter(without_bucket(self, every_row=True)).limit(1).count():
                repair_buckets(spark, self, every_row=True)
        else:
            self._refuse_another_count(properties)

    def _refuse_another_count(self, properties: dict[str, str]) -> None:
        recorded, current = properties.get(BUCKETS), str(registered.USER_BUCKETS)
        if recorded is None:
            raise TableRefused(
                f"{self.label} has no recorded user bucket count (table property {BUCKETS}) yet, so its rows' "
                f"buckets are unchecked. Fix: run the {self.spec.writer} job, which writes the table and records "
                "the count when it starts, then this one"
            )
        if recorded != current:
            raise TableRefused(
                f"{self.label} holds rows bucketed into {recorded} user buckets (table property {BUCKETS}) and "
                f"this code buckets users into {current}: a deletion would look for users in the wrong bucket "
                f"partitions and miss their rows. Fix: keep USER_BUCKETS = {recorded} in notebooks/h3_ml/tables.py, "
                "or rewrite every user table into the new count before deploying code that uses it"
            )

    def check(self, spark: SparkSession) -> TableRef:
        """What a job does with a table it does not write, instead of `ensure`: refuses one its writer has not
        brought to the bucket layout and count the code expects, and changes nothing. Only the writer's
        principal owns the table, and only an owner changes a table's metadata."""
        if self.spec.user_column and BUCKET not in self.delta(spark).toDF().columns:
            raise TableRefused(
                f"{self.label} is not in the bucket layout yet. Fix: run the {self.spec.writer} job, which writes "
                "the table and brings it there when it starts, then this one"
            )
        if self.spec.user_column:
            self._refuse_another_count(self.properties(spark))
        return self

    def _partition_by_bucket(self, spark: SparkSession) -> None:
        """A table written before the bucket layout: every row rewritten once with its bucket, partitioned by it.

        Table properties and the log (ingest's transaction ids among it) stay; the overwrite is a change commit,
        which the normalize stream skips (`skipChangeCommits`), so no row is read twice.
        """
        rows = self.read(spark).withColumn(BUCKET, user_bucket(F.col(self.spec.user_column)))
        writer = (
            rows.write.format("delta")
            .mode("overwrite")
            .option("overwriteSchema", "true")
            .partitionBy(*self.spec.partition_columns)
        )
        if self.path is not None:
            writer.save(self.path)
        else:
            writer.saveAsTable(self.name)

    def properties(self, spark: SparkSession) -> dict[str, str]:
        # Not `DeltaTable.detail()`: it also sums the table's files, a Spark job over the whole log state.
        return {r.key: r.value for r in spark.sql(f"SHOW TBLPROPERTIES {self.sql}").collect()}

    def may_hold_deletion_vectors(self, spark: SparkSession) -> bool:
        """False once `ensure` turned vectors off and purged the ones written before."""
        return _may_hold_vectors(self.properties(spark))


def without_bucket(table: TableRef, *, every_row: bool = False) -> Column:
    """Rows that have a user but no bucket (with `every_row`: or another bucket than theirs)."""
    column = F.col(table.spec.user_column)
    if every_row:
        return column.isNotNull() & ~F.col(BUCKET).eqNullSafe(user_bucket(column))
    return F.col(BUCKET).isNull() & column.isNotNull()


def repair_buckets(spark: SparkSession, table: TableRef, *, every_row: bool = False) -> None:
    """Gives the rows of `without_bucket` their bucket. Without `every_row` only the null bucket's partition is
    read. The UPDATE's predicate, kept in `_delta_log`, names columns, never a value."""
    column = F.col(table.spec.user_column)
    table.delta(spark).update(without_bucket(table, every_row=every_row), {BUCKET: user_bucket(column)})


def _may_hold_vectors(properties: dict[str, str]) -> bool:
    return properties.get(VECTORS, "false") != "false" or properties.get(VECTORS_PURGED) != "true"
