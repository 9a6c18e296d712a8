"""Calendars: CSV exports of Google Calendar and Outlook events."""
