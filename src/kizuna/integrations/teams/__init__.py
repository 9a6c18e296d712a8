"""Microsoft Teams: messages for incoming webhooks (an Adaptive Card attachment)."""
