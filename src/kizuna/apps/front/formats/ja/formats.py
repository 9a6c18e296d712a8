"""Japanese dates (as Django's own, said here so that the pages' months do not depend on it)."""

YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
