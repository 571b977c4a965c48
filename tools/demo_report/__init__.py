"""The demo in one process (one SparkSession) and its report: a terminal summary and a self-contained HTML file."""
