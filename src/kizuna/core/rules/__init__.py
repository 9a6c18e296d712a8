"""Rules: signals about accounts → tasks and alerts, and how well each rule did (pure).

- ``model``: what a rule is (a trigger over one kind of signal, a filter on the account, the
  actions, a cool-down, a priority) and what it is given (``Signal``, ``AccountFacts``).
- ``evaluate``: one day's evaluation: which rules fire on which accounts, deduplicated, cooled
  down, and within each CSM's weekly budget of interruptions.
- ``preview``: what a rule would have done in each of the last weeks, from the signals' history.
- ``measure``: a rule's record: fired, acted on, dismissed, precision, save rate, time to
  first action.

No Django, no clock: the day is a parameter; the apps (``kizuna.apps.rules``) read the
signals and the state from the database and write what the evaluation decides.
"""
