"""HubSpot: exports of companies (and, later, contacts and deals)."""
