# Databricks notebook source
# Delete user data: the `user_ids` parameter (run-now) plus user.deletion_requested events (scheduled run),
# from every registered table (MERGE rewriting the files); audited in ops.deletion_audit; then VACUUM at retention.
from h3_ml.databricks import audit_salt, lake_from, parameters, show, user_ids
from h3_ml.deletion import delete_user_data

params = parameters(dbutils, catalog="", checkpoints="", user_ids="", request_id="", deletion_sla_days="30")

# COMMAND ----------

ids = user_ids(params["user_ids"])
summary = delete_user_data(
    spark,
    ids,
    lake_from(params),
    salt=audit_salt(dbutils),
    request_id=params["request_id"] or None,
    # The scheduled sweep (no ids) also deletes again any deleted user whose rows arrived after their request.
    reapply_completed=not ids,
)
show(summary)
