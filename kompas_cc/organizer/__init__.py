"""Organizer: tasks, contacts with clients, reminders on them, and the calendar views."""
