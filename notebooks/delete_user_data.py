# Databricks notebook source
# Delete user data: the `user_ids` parameter (run-now) plus user.deletion_requested events (scheduled run),
# from every registered table (MERGE rewriting the files); audited in ops.deletion_audit; then VACUUM at retention.
from h3_ml.databricks import DEFAULT_SECRET_SCOPE, audit_salt, finish, lake_from, parameters, user_ids
from h3_ml.deletion import delete_user_data

params = parameters(
    dbutils,
    catalog="",
    schema_prefix="",
    checkpoints="",
    user_ids="",
    request_id="",
    deletion_sla_days="30",
    secret_scope=DEFAULT_SECRET_SCOPE,
)

# COMMAND ----------

ids = user_ids(params["user_ids"])
summary = delete_user_data(
    spark,
    ids,
    lake_from(params),
    salt=audit_salt(dbutils, params["secret_scope"]),
    request_id=params["request_id"] or None,
    # The scheduled sweep (no ids) also deletes again any deleted user whose rows arrived after their request,
    # and compacts every user table (one file per bucket, so a deletion reads one bucket's files).
    reapply_completed=not ids,
    compact=not ids,
)
finish(dbutils, summary)
