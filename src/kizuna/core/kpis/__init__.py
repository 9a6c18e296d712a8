"""The KPI home's pure core: which KPIs exist and which way is better (``catalog``), targets and
what a plan implies (``targets``), and the cut that drags a KPI most (``home``).

No Django: ``kizuna.apps.kpis`` reads each KPI from the app that owns it and hands plain values
here. Definitions: docs/metrics.md, "KPI home and targets"."""
