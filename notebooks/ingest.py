# Databricks notebook source
# Ingest: Event Hubs Capture (Avro, Auto Loader) -> bronze.events, exactly once.
from h3_ml.databricks import finish, lake_from, parameters
from h3_ml.ingest import run_ingest

params = parameters(dbutils, catalog="", schema_prefix="", checkpoints="", capture_root="", deletion_sla_days="30")

# COMMAND ----------

finish(dbutils, run_ingest(spark, params["capture_root"], lake_from(params), auto_loader=True))
