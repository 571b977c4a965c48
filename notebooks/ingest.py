# Databricks notebook source
# Ingest: Event Hubs Capture (Avro, Auto Loader) -> bronze.events, exactly once.
from h3_ml.databricks import finish, job_parameters, lake_from
from h3_ml.ingest import run_ingest

params = job_parameters(dbutils, "ingest")

# COMMAND ----------

finish(dbutils, run_ingest(spark, params["capture_root"], lake_from(params), auto_loader=True))
