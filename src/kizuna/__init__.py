"""Kizuna: Customer Success operations for B2B SaaS."""
