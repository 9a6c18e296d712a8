"""English dates: short month names, so that months fit table cells and chart axes."""

YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "M j"
