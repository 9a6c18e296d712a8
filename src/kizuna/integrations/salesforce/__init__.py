"""Salesforce: report exports (activities)."""
