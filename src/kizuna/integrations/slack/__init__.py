"""Slack: messages for incoming webhooks (Block Kit)."""
