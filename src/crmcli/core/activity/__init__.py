"""Interactions, follow-ups, agenda, goals, reminders, scoring; imports values, db, people."""
