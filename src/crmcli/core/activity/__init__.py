"""Interactions, follow-ups, the timeline, goals, reminders, scoring; imports values and db."""
