"""Integrations with external systems: each external system gets its own folder
(``salesforce/``, ``calendar/``, later HubSpot, Slack, e-mail, survey tools, warehouses).

Code here is pure Python: it knows the other system's file formats and vocabularies and turns
them into plain data, and imports no Django. The apps (``kizuna.apps.*``) call it, look the
data up in the database, check permissions and write.
"""
