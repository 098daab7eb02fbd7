"""Importing records: prepare (in workers), match and write in one transaction."""
