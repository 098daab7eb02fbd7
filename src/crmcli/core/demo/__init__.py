"""Realistic generated data and the demo database file; imports the domain packages."""
