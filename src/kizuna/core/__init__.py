"""The pure analytics core.

Nothing here imports Django, reads the clock or the environment: every function takes its
data and an explicit ``as_of`` date, and every threshold is a parameter. The Django apps call
into this package, never the other way round (enforced by import-linter).
"""
