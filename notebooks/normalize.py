# Databricks notebook source
# Normalize: bronze.events -> one typed silver table per event type, and silver.quarantine.
from h3_ml.databricks import finish, job_parameters, lake_from
from h3_ml.normalize import run_normalize

params = job_parameters(dbutils, "normalize")

# COMMAND ----------

finish(dbutils, run_normalize(spark, lake_from(params)))
