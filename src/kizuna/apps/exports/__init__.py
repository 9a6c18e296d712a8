"""Everything the company keeps in Kizuna as CSV and Parquet with a manifest, and its restore
into an empty Kizuna (docs/export.md)."""
