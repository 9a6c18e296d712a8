"""The CS organisation diagnosis (pure): SmartHR's phases (start-up, searching for PMF, PMF
reached, scale) and the customer success maturity levels (reactive, insights and actions,
outcomes, transform), judged from the team's own data.

- ``evidence``: the typed figures the rules read (counts as of a day).
- ``rules``: each rule, its thresholds (data, with defaults) and its check.
- ``diagnose``: the phase and level shown, what holds the team there, the next three fixes.

No Django, no clock: ``kizuna.apps.diagnosis`` gathers the evidence and stores each day's run
(docs/diagnosis.md; every rule in docs/metrics.md, "Organisation diagnosis").
"""
