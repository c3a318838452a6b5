"""Telephony: Asterisk events, call records, line load."""
