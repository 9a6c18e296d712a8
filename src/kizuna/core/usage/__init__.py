"""Product usage events: schema and validation, Parquet storage, the rollup (one SQL text for
DuckDB, PostgreSQL and Spark), trends and drop detection. Pure: no Django, no clock."""
