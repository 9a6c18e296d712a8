"""Onboarding: templates, the state timeline, usage-rule criteria and the KPIs (pure)."""
