# Databricks notebook source
# Normalize: bronze.events -> one typed silver table per event type, and silver.quarantine.
from h3_ml.databricks import finish, lake_from, parameters
from h3_ml.normalize import run_normalize

params = parameters(dbutils, catalog="", schema_prefix="", checkpoints="", deletion_sla_days="30")

# COMMAND ----------

finish(dbutils, run_normalize(spark, lake_from(params)))
