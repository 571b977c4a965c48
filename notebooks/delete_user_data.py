# Databricks notebook source
# Delete user data: the user.deletion_requested events in bronze (request_id: run now for one of them) from every
# registered table, audited in ops.deletion_audit; the daily run also vacuums every table and watches the promise.
from h3_ml.databricks import finish, job_parameters, lake_from
from h3_ml.deletion import DeleteSettings, run_delete_job

params = job_parameters(dbutils, "delete")

# COMMAND ----------

finish(dbutils, run_delete_job(spark, lake_from(params), DeleteSettings.from_parameters(params)))
