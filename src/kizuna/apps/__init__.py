"""Kizuna Django apps, one vertical slice each."""
