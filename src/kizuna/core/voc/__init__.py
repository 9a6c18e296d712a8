"""Voice of the customer: survey scheduling, NPS/CSAT analysis and comment topics (pure)."""
