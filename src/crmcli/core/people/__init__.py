"""Contacts, companies, search index, matching, merging, privacy; imports values, db, activity."""
