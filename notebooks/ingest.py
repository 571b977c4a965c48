# Databricks notebook source
# Ingest: Event Hubs Capture (Avro, Auto Loader) -> bronze.events, exactly once.
from h3_ml.databricks import lake_from, parameters, show
from h3_ml.ingest import run_ingest

params = parameters(dbutils, catalog="", checkpoints="", capture_root="", deletion_sla_days="30")

# COMMAND ----------

show(run_ingest(spark, params["capture_root"], lake_from(params), auto_loader=True))
