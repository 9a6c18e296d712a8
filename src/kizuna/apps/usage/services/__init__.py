"""Writes of usage data, one module per part of the pipeline:

- ``ingestion``: events and daily totals in (files, HTTP batches, quarantine replays), stored
  in the store of record, their days queued for the rollup;
- ``rollups``: ``UsageDay`` recomputed from the store, the daily summaries and drop signals;
- ``upkeep``: failed rollup days retried or discarded, files of interrupted imports removed.
"""
