"""Renewals and expansion: renewals derived from subscription lines and their outcome, the
review cadence of closing plans, the calibrated forecast (docs/renewals.md)."""
