"""Delete every row of some users from every table that holds user data, purge the bytes, audit it.

Requests come as a `user_ids` job parameter and as `user.deletion_requested` events in bronze. Tables come
from `tables.user_tables()`, the one registry the pipeline writes through.

Rows are removed with a MERGE against a DataFrame of ids rather than `DELETE ... WHERE userId IN (...)`:
Delta records a DELETE's predicate, literals included, in `_delta_log`, which would keep the ids there.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import reduce

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from h3_ml import faults as fp
from h3_ml.commits import retry_on_conflict
from h3_ml.faults import NO_FAULTS, Faults
from h3_ml.lake import Lake, TableRef
from h3_ml.layout import compact as compact_tables
from h3_ml.parallel import TABLES_AT_ONCE, side_by_side
from h3_ml.registry import DELETION_REQUESTED
from h3_ml.tables import BUCKET, DELETION_AUDIT, EVENTS, user_bucket, user_tables

PARAMETER = "parameter"
EVENT = "event"
# A completed request applied again to rows of its user that arrived after it (a late Capture file, or an append
# that committed beside the deletion's MERGE without conflicting with it).
REAPPLIED = "reapplied"


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
    # From the start of the run to the committed audit completion; the closing VACUUM comes after it.
    seconds_to_completed_audit: float | None = None
    # table key -> files the closing compaction merged (with `compact`)
    compacted: dict[str, int] = field(default_factory=dict)


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


@dataclass(frozen=True)
class _AuditState:
    """The (requestId, userHash) pairs a crashed run left open, their hashes, and the pairs already completed."""

    open_rows: set[tuple[str, str]]
    open_hashes: set[str]
    completed: set[tuple[str, str]]


def _audit_state(spark: SparkSession, audit: TableRef) -> _AuditState:
    rows = audit.read(spark).select("requestId", "userHash", "completedAt").collect()
    open_rows = {(r.requestId, r.userHash) for r in rows if r.completedAt is None}
    completed = {(r.requestId, r.userHash) for r in rows if r.completedAt is not None}
    return _AuditState(open_rows, {h for _, h in open_rows}, completed)


def _users_by_hash(spark: SparkSession, lake: Lake, hashes: set[str], salt: str) -> dict[str, str]:
    """Finds the ids behind audit hashes in the user tables: only needed to finish a crashed run."""
    found: dict[str, str] = {}
    if not hashes:
        return found
    for table in lake.existing(spark, user_tables()):
        column = F.col(table.spec.user_column)
        rows = (
            table.read(spark)
            .select(column.alias("userId"))
            .distinct()
            .filter(user_hash_column(F.col("userId"), salt).isin(sorted(hashes)))
            .collect()
        )
        found.update({user_hash(r.userId, salt): r.userId for r in rows})
    return found


def with_buckets(spark: SparkSession, user_ids: list[str]) -> DataFrame:
    """The users as a DataFrame of `userId` and `userBucket`, bucketed by Spark as the jobs bucket their rows."""
    ids = spark.createDataFrame([(u,) for u in user_ids], "userId string")
    return ids.withColumn(BUCKET, user_bucket(F.col("userId")))


def buckets(ids: DataFrame) -> list[int]:
    return sorted({r[BUCKET] for r in ids.select(BUCKET).distinct().collect()})


def locate(spark: SparkSession, tables: list[TableRef], user_ids: list[str]) -> dict[str, dict[str, int]]:
    """Rows per table and user id, read in one Spark job over the users' buckets of every table."""
    if not tables or not user_ids:
        return {}
    # Read queries do not reach `_delta_log`, so the ids may be literals here. The bucket prunes each table to the
    # users' partitions; within them Spark pushes the ids into the Parquet reader, which skips row groups by the
    # footer's min/max (Delta keeps no statistics on user ids).
    in_buckets = F.col(BUCKET).isin(buckets(with_buckets(spark, user_ids)))
    parts = [
        t.read(spark)
        .filter(in_buckets)
        .select(F.lit(t.label).alias("table"), F.col(t.spec.user_column).alias("userId"))
        for t in tables
    ]
    found = reduce(DataFrame.unionByName, parts).filter(F.col("userId").isin(user_ids))
    counts: dict[str, dict[str, int]] = {t.label: {} for t in tables}
    for r in found.groupBy("table", "userId").count().collect():
        counts[r["table"]][r["userId"]] = r["count"]
    return counts


def remove_users(
    spark: SparkSession, table: TableRef, ids: DataFrame, in_buckets: list[int], *, log: Callable[[str], None]
) -> int:
    """Deletes the users' rows from one table, rewriting the files that held them; returns the rows deleted.

    `ids` has `userId` and `userBucket` (`with_buckets`), `in_buckets` their buckets (`buckets(ids)`, read once for
    every table). The condition names the buckets as literals: Delta's
    MERGE prunes the target's files by the condition's target-only conjuncts before it joins
    (delta-io/delta, `ClassicMergeExecutor.findTouchedFiles` with `MergeIntoCommandBase.getTargetOnlyPredicates`),
    so only the users' bucket partitions are read. The log keeps the condition, which holds bucket numbers, and
    never the ids, which come from the source DataFrame.
    """
    column = table.spec.user_column
    listed = ", ".join(str(b) for b in in_buckets)
    condition = f"t.{BUCKET} IN ({listed}) AND t.{BUCKET} = d.{BUCKET} AND t.`{column}` = d.userId"

    def attempt() -> int:
        merge = table.delta(spark).alias("t").merge(ids.alias("d"), condition)
        return merge.whenMatchedDelete().execute().first()["num_deleted_rows"]

    return retry_on_conflict(attempt, what=f"delete {table.label}", log=log)


def purge(spark: SparkSession, table: TableRef, *, retain_hours: int | None) -> None:
    """Rewrites files that carry deletion vectors, if the table may have any; then VACUUM past retention.

    `retain_hours=None` uses the table's `delta.deletedFileRetentionDuration` (set from the deletion SLA).
    The user tables have vectors off (`Lake.properties`), so the MERGE has already rewritten every file that
    held the users; `REORG ... APPLY (PURGE)` runs only on a table that `ensure` has not yet brought there.
    """
    if table.may_hold_deletion_vectors(spark):
        spark.sql(f"REORG TABLE {table.sql} APPLY (PURGE)")
    if retain_hours is None:
        spark.sql(f"VACUUM {table.sql}")
        return
    with _conf(spark, {"spark.databricks.delta.retentionDurationCheck.enabled": "false"}):
        # Below the table's retention Delta refuses unless told; only local runs (`--purge`) ask for that.
        spark.sql(f"VACUUM {table.sql} RETAIN {retain_hours} HOURS")


@contextmanager
def _conf(spark: SparkSession, values: dict[str, str]) -> Iterator[None]:
    previous = {k: spark.conf.get(k, None) for k in values}
    for k, v in values.items():
        spark.conf.set(k, v)
    try:
        yield
    finally:
        for k, v in previous.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)


# MERGE rewrites the files holding the users even on a table that still has vectors on (not yet ensured).
_REWRITE_FILES = {"spark.databricks.delta.merge.deletionVectors.persistent": "false"}


def delete_user_data(
    spark: SparkSession,
    user_ids: Iterable[str],
    lake: Lake,
    *,
    salt: str,
    request_id: str | None = None,
    include_requested: bool = True,
    reapply_completed: bool = False,
    retain_hours: int | None = None,
    compact: bool = False,
    faults: Faults = NO_FAULTS,
    progress: Callable[[str], None] = print,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> DeletionSummary:
    """Removes all rows of `user_ids` (and of users who sent a deletion-request event) from every user table.

    Idempotent: a request already completed in `ops.deletion_audit` is skipped; a table without the users'
    rows gets no delete commit. A run that crashed leaves its audit rows open (no `completedAt`) and the next
    run finishes them, even when the request events are already gone from bronze.

    With `reapply_completed` (the scheduled sweep), every user of a completed request whose rows are in a user
    table again is deleted again, under a new audit row: a deletion holds for data that arrives after it.

    With `compact` (the scheduled sweep), every user table is compacted at the end (`layout.compact`), which keeps
    each bucket to one file plus one per batch since.
    """
    if not salt:
        raise ValueError(
            "salt is empty: pass the audit salt (Databricks secret h3-ml/audit-salt, locally --salt or H3_AUDIT_SALT)"
        )
    started, clock = now(), time.monotonic()
    audit = lake.table(DELETION_AUDIT).ensure(spark, lake)
    summary = DeletionSummary()
    requests = parameter_requests(user_ids, request_id, started)
    if include_requested:
        requests += event_requests(spark, lake)
    state = _audit_state(spark, audit)
    open_hashes = state.open_hashes
    todo = _pending(spark, lake, state, requests, salt, reapply_completed, started, summary)
    if not todo and not open_hashes:
        progress("delete: nothing to do")
        return _compacted(spark, lake, summary, progress) if compact else summary
    users = _open_audit_rows(spark, lake, audit, todo, state, salt)
    tables = lake.existing(spark, user_tables())
    per_hash = _count_rows(spark, tables, users, open_hashes, summary)
    faults.check(fp.DELETE_BEFORE_MERGE)
    # A resumed run vacuums every table: the crashed run may have removed rows without vacuuming.
    touched = [t for t in tables if summary.rows_removed[t.label] or open_hashes]
    removing = [t for t in touched if summary.rows_removed[t.label]]
    _remove_from_tables(spark, removing, users, per_hash, summary, progress)
    faults.check(fp.DELETE_BEFORE_AUDIT)
    _complete_audit(spark, audit, per_hash, now())
    summary.seconds_to_completed_audit = time.monotonic() - clock
    progress(f"delete: {len(per_hash)} requests completed in {audit.label}")
    # Complete before VACUUM: the rows are gone from every current file once the MERGEs commit, and VACUUM
    # removes files unreferenced for longer than the retention (this run's rewrites wait for a later run), so
    # it is the table's retention housekeeping, not part of this request. A crash here leaves it to the next run.
    side_by_side(lambda table: purge(spark, table, retain_hours=retain_hours), touched, at_most=TABLES_AT_ONCE)
    summary.purged = [t.label for t in touched]
    progress(f"delete: vacuumed {len(touched)} tables")
    return _compacted(spark, lake, summary, progress) if compact else summary


def _compacted(
    spark: SparkSession, lake: Lake, summary: DeletionSummary, progress: Callable[[str], None]
) -> DeletionSummary:
    summary.compacted = compact_tables(spark, lake.existing(spark, user_tables()))
    progress(f"delete: compacted {len(summary.compacted)} tables, {sum(summary.compacted.values())} files merged")
    return summary


def _pending(
    spark: SparkSession,
    lake: Lake,
    state: _AuditState,
    requests: list[DeletionRequest],
    salt: str,
    reapply_completed: bool,
    started: datetime,
    summary: DeletionSummary,
) -> list[DeletionRequest]:
    """The requests not yet completed, with the sweep's re-applied ones."""
    todo = [r for r in requests if (r.request_id, user_hash(r.user_id, salt)) not in state.completed]
    summary.requests = len(requests)
    summary.already_completed = len(requests) - len(todo)
    if reapply_completed:
        known = {user_hash(r.user_id, salt) for r in todo} | state.open_hashes
        back = _users_by_hash(spark, lake, {h for _, h in state.completed} - known, salt)
        rid = f"{REAPPLIED}:{started:%Y%m%dT%H%M%S.%fZ}"
        todo += [DeletionRequest(rid, u, started, REAPPLIED) for u in sorted(back.values())]
        summary.requests += len(back)
    return todo


def _open_audit_rows(
    spark: SparkSession,
    lake: Lake,
    audit: TableRef,
    todo: list[DeletionRequest],
    state: _AuditState,
    salt: str,
) -> dict[str, str]:
    """Records `todo` as open audit rows; returns hash -> user id for them and for the rows left open before.

    Open rows first: event requests vanish from bronze with the user's rows, so a crash after that point would
    otherwise forget them. The next run resumes from these rows.
    """
    rows = [(r.request_id, user_hash(r.user_id, salt), r.source, r.requested_at, None, None) for r in todo]
    # A plain append: the audit was just read, so only rows it lacks are written (the job runs one at a time).
    new_rows = [row for row in rows if (row[0], row[1]) not in state.open_rows]
    if new_rows:
        audit.append(spark.createDataFrame(new_rows, DELETION_AUDIT.columns))
    users = {user_hash(r.user_id, salt): r.user_id for r in todo}
    users.update(_users_by_hash(spark, lake, state.open_hashes - set(users), salt))
    return users


def _count_rows(
    spark: SparkSession,
    tables: list[TableRef],
    users: dict[str, str],
    open_hashes: set[str],
    summary: DeletionSummary,
) -> dict[str, dict[str, int]]:
    """Rows per table in `summary.rows_removed`, and per audit hash and table (what each audit row records).

    The MERGE's own count replaces a table's total later, so a row appended between this read and the MERGE
    is counted too.
    """
    counts = locate(spark, tables, sorted(set(users.values())))
    per_hash: dict[str, dict[str, int]] = {h: {} for h in {*users, *open_hashes}}
    for table in tables:
        found = counts.get(table.label, {})
        summary.rows_removed[table.label] = sum(found.values())
        for h, removed in per_hash.items():
            removed[table.label] = found.get(users.get(h), 0)
    return per_hash


def _remove_from_tables(
    spark: SparkSession,
    tables: list[TableRef],
    users: dict[str, str],
    per_hash: dict[str, dict[str, int]],
    summary: DeletionSummary,
    progress: Callable[[str], None],
) -> None:
    """One MERGE per table, side by side; each table's count in `summary` becomes the MERGE's own."""
    user_ids = sorted(set(users.values()))
    ids = with_buckets(spark, user_ids).cache()
    in_buckets = buckets(ids)

    def remove(table: TableRef) -> None:
        deleted = remove_users(spark, table, ids, in_buckets, log=progress)
        summary.rows_removed[table.label] = deleted
        if len(user_ids) == 1:
            # One user: the MERGE's count is that user's. With several, the audit keeps the counts per user
            # from the read before the MERGE.
            for h, removed in per_hash.items():
                removed[table.label] = deleted if users.get(h) == user_ids[0] else 0
        progress(f"delete: {table.label}: {deleted} rows removed")

    try:
        with _conf(spark, _REWRITE_FILES):
            side_by_side(remove, tables, at_most=TABLES_AT_ONCE)
    finally:
        ids.unpersist()


def _complete_audit(
    spark: SparkSession, audit: TableRef, per_hash: dict[str, dict[str, int]], finished: datetime
) -> None:
    """Completing by hash closes this run's rows and any a crashed run left open."""
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
