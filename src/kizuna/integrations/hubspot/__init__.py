"""HubSpot: exports of companies, contacts, deals (subscription lines) and users."""
