# Databricks notebook source
# Normalize: bronze.events -> one typed silver table per event type, and silver.quarantine.
from h3_ml.databricks import lake_from, parameters, show
from h3_ml.normalize import run_normalize

params = parameters(dbutils, catalog="", checkpoints="", deletion_sla_days="30")

# COMMAND ----------

show(run_normalize(spark, lake_from(params)))
