"""Health score lab: models, scoring, backtests and suggested weights (pure)."""
