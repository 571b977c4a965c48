"""H3 ML data pipeline: ingest (Capture -> bronze), normalize (bronze -> silver + quarantine), delete user data.

Importable from the notebooks' folder on Databricks and with `PYTHONPATH=notebooks` locally.
"""
