"""Imports of a company's own data from CRM exports (docs/imports.md). No Django.

``files``: bytes → text → header and rows (encodings, CSV). ``columns``: an account format's
columns (``AccountFormat``), the user's mapping file (``ImportMapping``), which column feeds
which field and the drift check. ``accounts``: rows → validated ``AccountRow``s, each rejected
row with its line and reason. ``plan``: rows + the accounts already imported → what an import
creates, updates (field by field), leaves unchanged, rejects and finds missing.
"""
