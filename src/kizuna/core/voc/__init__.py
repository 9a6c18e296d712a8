"""Voice of the customer: survey schedules, NPS / CSAT analysis and comment topics (pure)."""
