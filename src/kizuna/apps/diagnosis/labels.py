"""The words of the diagnosis, in the reader's language: each rule's title and explanation,
its thresholds' names, the phases and levels, and each kind of evidence line (the core stores
a key and numbers; the words are chosen when a page is read)."""

from __future__ import annotations

from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

STAGES: Final[dict[str, Promise]] = {
    "startup": _("Start-up (0 to 3 people)"),
    "pmf_search": _("Searching for product-market fit"),
    "pmf_reached": _("Product-market fit reached"),
    "scale": _("Scale (20 to 50 people)"),
    "reactive": _("Reactive"),
    "insights_actions": _("Insights and actions"),
    "outcomes": _("Outcomes"),
    "transform": _("Transform"),
}

GROUPS: Final[dict[str, Promise]] = {
    "do": _("To do"),
    "avoid": _("To avoid"),
    "maturity": _("Maturity"),
}

VERDICTS: Final[dict[bool | None, Promise]] = {
    True: _("Holds"),
    False: _("Fails"),
    None: _("Not enough data"),
}

TITLES: Final[dict[str, Promise]] = {
    "onboarding_capacity": _("Onboardings per CSM within capacity"),
    "accounts_known": _("No account left unknown"),
    "segment_handling": _("Each touch model handled by its own policy, at target"),
    "onboarding_standardised": _("Onboarding standardised, its completion improving"),
    "renewals_routine": _("Renewals approached routinely"),
    "one_to_many": _("1:N programmes reaching the tech-touch accounts"),
    "managers_own_book": _("Managers do not carry their own book"),
    "ops_team": _("A CS operations member or team exists"),
    "renewed_touched": _("Renewed accounts are touched after the renewal"),
    "specialised_teams": _("Teams specialised by role"),
    "leaders_span": _("Leaders not over-stretched"),
    "csm_every_role": _("CSMs do not cover every role"),
    "hiring_on_plan": _("Hiring keeps up with the capacity plan"),
    "proactive_touches": _("Touches are mostly planned, not reactive"),
    "health_in_use": _("Health scores in use"),
    "playbooks_in_use": _("Playbooks in use"),
    "outcomes_tracked": _("Outcomes tracked"),
}

EXPLANATIONS: Final[dict[str, Promise]] = {
    "onboarding_capacity": _(
        "The open onboardings on owned accounts divided by the members who own them is at most "
        "the limit, and at most the limit of open onboardings are on an account with neither "
        "an owner nor a team."
    ),
    "accounts_known": _(
        "The share of active high- and low-touch accounts with no touch in the last 180 days "
        "is at most the limit (tech-touch accounts are reached 1:N: their own rule)."
    ),
    "segment_handling": _(
        "Every touch model with accounts has a coverage policy, and its coverage rate on the "
        "latest snapshot (at most 7 days old) is at least its target minus the tolerance."
    ),
    "onboarding_standardised": _(
        "Every sold product has an onboarding template, and the completion rate within period "
        "of the last three months is at least that of the three months before (minus the "
        "tolerance), or already at target."
    ),
    "renewals_routine": _(
        "Of the open renewals inside their plan window (where the touch model requires a "
        "plan), the share with a closing plan is at least the minimum."
    ),
    "one_to_many": _(
        "The share of active tech-touch accounts reached by a webinar in the last 90 days is "
        "at least the minimum."
    ),
    "managers_own_book": _("The share of active accounts owned by managers is at most the limit."),
    "ops_team": _("At least the minimum number of active CS ops admins."),
    "renewed_touched": _(
        "Of the accounts renewed 90 to 365 days ago, the share with no touch in the 90 days "
        "after the renewal is at most the limit."
    ),
    "specialised_teams": _(
        "At least the minimum number of team kinds (strategic, onboarding, adoption, "
        "enablement) have an active CSM."
    ),
    "leaders_span": _(
        "Every team with CSMs has a manager, with at most the limit of CSMs per manager."
    ),
    "csm_every_role": _(
        "The share of CSMs owning accounts in onboarding, adoption and renewal across two "
        "touch models or more is at most the limit."
    ),
    "hiring_on_plan": _(
        "The capacity plan (the capacity page's defaults) needs, the given number of months "
        "ahead, at most the limit of CSMs more than the teams have today."
    ),
    "proactive_touches": _(
        "Of the last 90 days' touches (not notes, not webinars), the share made while a task "
        "on the account was open is at least the minimum."
    ),
    "health_in_use": _(
        "A published score model, and at least the minimum share of active accounts scored on "
        "the latest scoring day (at most 7 days old)."
    ),
    "playbooks_in_use": _(
        "An active playbook, and at least the minimum number of runs started in 90 days."
    ),
    "outcomes_tracked": _(
        "Enabled rules, and an outcome recorded on at least the minimum share of the rule and "
        "playbook tasks completed in 180 days, once enough firings are 180 days old for the "
        "rules' precision to be measured."
    ),
}

THRESHOLDS: Final[dict[str, Promise]] = {
    "max_per_csm": _("Open onboardings per member, at most"),
    "max_unowned": _("Onboardings without an owner, at most"),
    "max_unknown_share": _("Share of unknown accounts, at most"),
    "tolerance": _("Tolerance below the target"),
    "min_cohort": _("Onboardings needed in each three months"),
    "min_share": _("Share, at least"),
    "min_reach": _("Share reached, at least"),
    "max_share": _("Share, at most"),
    "min_members": _("Members, at least"),
    "max_untouched_share": _("Share untouched, at most"),
    "min_kinds": _("Team kinds staffed, at least"),
    "max_csms_per_manager": _("CSMs per manager, at most"),
    "max_gap": _("CSMs to hire, at most"),
    "horizon_months": _("Months ahead"),
    "min_touches": _("Touches needed to judge"),
    "min_runs": _("Runs in 90 days, at least"),
    "min_judged": _("Judged firings, at least"),
    "min_outcome_share": _("Share of tasks with an outcome, at least"),
}

LINES: Final[dict[str, Promise]] = {
    "onboardings_per_csm": _(
        "{onboardings} open onboardings carried by {csms} members: {mean} each on average, "
        "{max} at most"
    ),
    "onboardings_pooled": _(
        "{count} of {of} open onboardings on accounts served by their team, without an owner"
    ),
    "onboardings_unowned": _(
        "{count} of {of} open onboardings on an account with neither an owner nor a team"
    ),
    "accounts_unknown": _(
        "{count} of {of} active high- and low-touch accounts without a touch in 180 days ({rate})"
    ),
    "coverage_snapshot": _("No coverage snapshot in the last 7 days (latest: {day})"),
    "segment_coverage": _("{segment}: {count} of {of} accounts covered ({rate}), target {target}"),
    "templates": _("{count} of {of} sold products have an onboarding template"),
    "completion": _("{period} ({first} – {last}): {count} of {of} completed on time ({rate})"),
    "completion_target": _("Completion target: {rate}"),
    "renewals_with_plan": _(
        "{count} of {of} renewals inside their plan window have a closing plan ({rate})"
    ),
    "tech_reached": _(
        "{count} of {of} tech-touch accounts reached by a webinar in 90 days ({rate}); "
        "{webinars} webinar touchpoints"
    ),
    "manager_accounts": _("{count} of {of} active accounts owned by {managers} managers ({rate})"),
    "ops_members": _("{count} active CS ops admins"),
    "renewed_untouched": _(
        "{count} of {of} accounts renewed 90 to 365 days ago had no touch in the 90 days after "
        "({rate})"
    ),
    "team_kinds": _("{count} of {of} team kinds have an active CSM"),
    "team_span": _("{team}: {csms} CSMs, {managers} managers ({ratio} per manager)"),
    "csm_generalists": _(
        "{count} of {of} CSMs own accounts in onboarding, adoption and renewal across several "
        "touch models ({rate})"
    ),
    "capacity": _(
        "In {months} months the capacity plan needs {needed} CSMs; the teams have {headcount} "
        "today; {gap} to hire"
    ),
    "touches_planned": _("{count} of {of} touches in 90 days made while a task was open ({rate})"),
    "accounts_scored": _(
        "{count} of {of} active accounts scored on the latest scoring day ({rate}); {models} "
        "published score models"
    ),
    "playbooks": _("{active} active playbooks; {runs} runs started in 90 days"),
    "rules_judged": _(
        "{rules} enabled rules; {firings} firings old enough to judge their precision"
    ),
    "tasks_outcome": _(
        "{count} of {of} rule and playbook tasks completed in 180 days have an outcome ({rate})"
    ),
}

PERIODS: Final[dict[str, Promise]] = {
    "earlier": _("The three months before"),
    "recent": _("The last three months"),
}

NO_POLICY: Final = _("no coverage policy")

#: where each rule's evidence is explained: (URL name, link text)
LINKS: Final[dict[str, tuple[str, Promise]]] = {
    "coverage": ("coverage:dashboard", _("Coverage dashboard")),
    "onboarding_board": ("onboarding:board", _("Onboarding board")),
    "onboarding_dashboard": ("onboarding:dashboard", _("Onboarding dashboard")),
    "renewals": ("renewals:pipeline", _("Renewal pipeline")),
    "load": ("assignments:load", _("Load")),
    "capacity": ("assignments:capacity", _("Capacity plan")),
    "members": ("assignments:load", _("Load")),
    "tasks": ("tasks:team", _("Team tasks")),
    "health": ("health:portfolio", _("Health scores")),
    "playbooks": ("playbooks:list", _("Playbooks")),
    "rules": ("rules:list", _("Rules")),
}

SHARE_HELP: Final = _("A share between 0 and 1 (0.8 = 80%).")

#: why a threshold was refused (``core.diagnosis.rules.threshold_errors``' codes)
THRESHOLD_ERRORS: Final[dict[str, Promise]] = {
    "unknown": _("This rule has no such threshold."),
    "not_a_number": _("Enter a number."),
    "out_of_range": _(
        "Out of range: a share is between 0 and 1, any other threshold between 0 and 1,000,000."
    ),
    "unknown_rule": _("No diagnosis rule has this key."),
}
