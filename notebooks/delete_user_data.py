# Databricks notebook source
# Delete user data: the `user_ids` parameter (run-now) plus user.deletion_requested events (scheduled run),
# from every registered table; then REORG PURGE + VACUUM at the tables' retention; audited in ops.deletion_audit.
from h3_ml.databricks import audit_salt, lake_from, parameters, show, user_ids
from h3_ml.deletion import delete_user_data

params = parameters(dbutils, catalog="", checkpoints="", user_ids="", request_id="", deletion_sla_days="30")

# COMMAND ----------

summary = delete_user_data(
    spark,
    user_ids(params["user_ids"]),
    lake_from(params),
    salt=audit_salt(dbutils),
    request_id=params["request_id"] or None,
)
show(summary)
