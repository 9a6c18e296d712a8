"""Outbound webhooks signed the Standard Webhooks way (https://www.standardwebhooks.com)."""
