"""Notifications: what reached a user (reminders, digests), read state, snooze, channels."""
