"""Contacts and companies: writes, reads, matching, merging, dedupe, privacy; imports values, db."""
