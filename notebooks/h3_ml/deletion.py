"""Delete every row of some users from every table that holds user data, purge the bytes, audit it.

Requests come as a `user_ids` job parameter and as `user.deletion_requested` events in bronze. Tables come
from `tables.user_tables()`, the one registry the pipeline writes through.

Rows are removed with a MERGE against a DataFrame of ids rather than `DELETE ... WHERE userId IN (...)`:
Delta records a DELETE's predicate, literals included, in `_delta_log`, which would keep the ids there.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from h3_ml import faults as fp
from h3_ml.faults import NO_FAULTS, Faults
from h3_ml.lake import Lake, TableRef, retry_on_conflict
from h3_ml.registry import DELETION_REQUESTED
from h3_ml.tables import DELETION_AUDIT, EVENTS, user_tables

PARAMETER = "parameter"
EVENT = "event"


@dataclass(frozen=True)
class DeletionRequest:
    request_id: str
    user_id: str
    requested_at: datetime
    source: str


@dataclass
class DeletionSummary:
    requests: int = 0
    already_completed: int = 0
    # table key -> rows removed in this run, for every user table that exists
    rows_removed: dict[str, int] = field(default_factory=dict)
    purged: list[str] = field(default_factory=list)


def user_hash(user_id: str, salt: str) -> str:
    """What the audit keeps instead of the id. The salt is a secret, so ids cannot be confirmed by hashing
    guesses; the same formula as `user_hash_column`, so a run can find a crashed run's users again."""
    return hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()


def user_hash_column(user_id: Column, salt: str) -> Column:
    return F.sha2(F.concat(F.lit(f"{salt}:"), user_id), 256)


def parameter_requests(user_ids: Iterable[str], request_id: str | None, now: datetime) -> list[DeletionRequest]:
    ids = list(user_ids)
    for i, user_id in enumerate(ids):
        if not isinstance(user_id, str) or not user_id.strip():
            raise ValueError(f"user_ids[{i}] is {user_id!r}: pass non-empty user ids, e.g. --user u-123")
    rid = request_id or str(uuid.uuid4())
    return [DeletionRequest(rid, u.strip(), now, PARAMETER) for u in dict.fromkeys(ids)]


def event_requests(spark: SparkSession, lake: Lake) -> list[DeletionRequest]:
    """Deletion-request events in bronze. Read from bronze, not silver, so a request never waits for normalize."""
    bronze = lake.table(EVENTS)
    if not bronze.exists(spark):
        return []
    rows = (
        bronze.read(spark)
        .filter((F.col("eventType") == DELETION_REQUESTED) & F.col("userId").isNotNull())
        .groupBy("userId")
        # The first request of a user stands for the rest: the rest are deleted with it.
        .agg(F.min_by(F.struct("eventId", "occurredAt", "enqueuedTime"), "enqueuedTime").alias("first"))
        .collect()
    )
    return [
        DeletionRequest(
            r.first.eventId or f"event:{r.first.enqueuedTime.isoformat()}",
            r.userId,
            (r.first.occurredAt or r.first.enqueuedTime).replace(tzinfo=UTC),
            EVENT,
        )
        for r in rows
    ]


def _open_and_completed(spark: SparkSession, audit: TableRef) -> tuple[set[str], set[tuple[str, str]]]:
    """Hashes of requests a crashed run left open, and the (requestId, userHash) pairs already completed."""
    rows = audit.read(spark).select("requestId", "userHash", "completedAt").collect()
    open_hashes = {r.userHash for r in rows if r.completedAt is None}
    completed = {(r.requestId, r.userHash) for r in rows if r.completedAt is not None}
    return open_hashes, completed


def _users_by_hash(spark: SparkSession, lake: Lake, hashes: set[str], salt: str) -> dict[str, str]:
    """Finds the ids behind audit hashes in the user tables: only needed to finish a crashed run."""
    found: dict[str, str] = {}
    for spec in user_tables():
        table = lake.table(spec)
        if not hashes or not table.exists(spark):
            continue
        column = F.col(spec.user_column)
        rows = (
            table.read(spark)
            .select(column.alias("userId"))
            .distinct()
            .filter(user_hash_column(F.col("userId"), salt).isin(sorted(hashes)))
            .collect()
        )
        found.update({user_hash(r.userId, salt): r.userId for r in rows})
    return found


def _upsert_audit(spark: SparkSession, audit: TableRef, rows: list[tuple]) -> None:
    df = spark.createDataFrame(rows, DELETION_AUDIT.columns)

    def merge() -> None:
        (
            audit.delta(spark)
            .alias("t")
            .merge(df.alias("s"), "t.requestId = s.requestId AND t.userHash = s.userHash")
            .whenNotMatchedInsertAll()
            .execute()
        )

    retry_on_conflict(merge, what=f"delete {audit.label}")


def remove_users(
    spark: SparkSession, table: TableRef, ids: DataFrame, *, faults: Faults, log: Callable[[str], None]
) -> dict[str, int]:
    """Deletes the users' rows from one table; returns rows removed per user id."""
    column = table.spec.user_column

    def attempt() -> dict[str, int]:
        current = table.read(spark)
        found = current.join(F.broadcast(ids), current[column] == ids["userId"], "left_semi")
        counts = {r[column]: r["count"] for r in found.groupBy(column).count().collect()}
        if not counts:
            return {}  # nothing to commit: a rerun leaves the table's history untouched
        faults.check(fp.DELETE_BEFORE_MERGE)
        (table.delta(spark).alias("t").merge(ids.alias("d"), f"t.`{column}` = d.userId").whenMatchedDelete().execute())
        return counts

    return retry_on_conflict(attempt, what=f"delete {table.label}", log=log)


def purge(spark: SparkSession, table: TableRef, *, retain_hours: int | None) -> None:
    """Rewrites files that carry deletion vectors, then removes unreferenced files past retention.

    `retain_hours=None` uses the table's `delta.deletedFileRetentionDuration` (set from the deletion SLA).
    """
    spark.sql(f"REORG TABLE {table.sql} APPLY (PURGE)")
    if retain_hours is None:
        spark.sql(f"VACUUM {table.sql}")
        return
    # Below the table's retention Delta refuses unless told; only local runs (`--purge`) ask for that.
    check = "spark.databricks.delta.retentionDurationCheck.enabled"
    previous = spark.conf.get(check, "true")
    spark.conf.set(check, "false")
    try:
        spark.sql(f"VACUUM {table.sql} RETAIN {retain_hours} HOURS")
    finally:
        spark.conf.set(check, previous)


def delete_user_data(
    spark: SparkSession,
    user_ids: Iterable[str],
    lake: Lake,
    *,
    salt: str,
    request_id: str | None = None,
    include_requested: bool = True,
    retain_hours: int | None = None,
    faults: Faults = NO_FAULTS,
    progress: Callable[[str], None] = print,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> DeletionSummary:
    """Removes all rows of `user_ids` (and of users who sent a deletion-request event) from every user table.

    Idempotent: a request already completed in `ops.deletion_audit` is skipped; a table without the users'
    rows gets no delete commit. A run that crashed leaves its audit rows open (no `completedAt`) and the next
    run finishes them, even when the request events are already gone from bronze.
    """
    if not salt:
        raise ValueError(
            "salt is empty: pass the audit salt (Databricks secret h3-ml/audit-salt, locally --salt or H3_AUDIT_SALT)"
        )
    started = now()
    requests = parameter_requests(user_ids, request_id, started)
    if include_requested:
        requests += event_requests(spark, lake)
    audit = lake.table(DELETION_AUDIT).ensure(spark, lake)
    open_hashes, completed = _open_and_completed(spark, audit)
    summary = DeletionSummary(requests=len(requests))
    todo = [r for r in requests if (r.request_id, user_hash(r.user_id, salt)) not in completed]
    summary.already_completed = len(requests) - len(todo)
    if not todo and not open_hashes:
        progress("delete: nothing to do")
        return summary
    # Open rows first: event requests vanish from bronze with the user's rows, so a crash after that point
    # would otherwise forget them. The next run resumes from these rows.
    if todo:
        _upsert_audit(
            spark,
            audit,
            [(r.request_id, user_hash(r.user_id, salt), r.source, r.requested_at, None, None) for r in todo],
        )
    users = {user_hash(r.user_id, salt): r.user_id for r in todo}
    users.update(_users_by_hash(spark, lake, open_hashes - set(users), salt))

    ids = spark.createDataFrame([(u,) for u in sorted(set(users.values()))], "userId string")
    per_hash: dict[str, dict[str, int]] = {h: {} for h in {*users, *open_hashes}}
    tables = [lake.table(spec) for spec in user_tables() if lake.table(spec).exists(spark)]
    for table in tables:
        counts = remove_users(spark, table, ids, faults=faults, log=progress) if users else {}
        summary.rows_removed[table.label] = sum(counts.values())
        for h, removed in per_hash.items():
            removed[table.label] = counts.get(users.get(h), 0)
        progress(f"delete: {table.label}: {summary.rows_removed[table.label]} rows removed")
    for table in tables:
        # A resumed run purges everything: the crashed run may have deleted without purging.
        if summary.rows_removed[table.label] or open_hashes:
            purge(spark, table, retain_hours=retain_hours)
            summary.purged.append(table.label)
    progress(f"delete: purged {len(summary.purged)} tables")

    faults.check(fp.DELETE_BEFORE_AUDIT)
    finished = now()
    # Completing by hash closes this run's rows and any a crashed run left open.
    done = spark.createDataFrame(
        [(h, finished, removed) for h, removed in per_hash.items()],
        "userHash string, completedAt timestamp, rowsRemoved map<string, bigint>",
    )

    def complete() -> None:
        (
            audit.delta(spark)
            .alias("t")
            .merge(done.alias("s"), "t.userHash = s.userHash AND t.completedAt IS NULL")
            .whenMatchedUpdate(set={"completedAt": "s.completedAt", "rowsRemoved": "s.rowsRemoved"})
            .execute()
        )

    retry_on_conflict(complete, what=f"delete {audit.label}")
    return summary
