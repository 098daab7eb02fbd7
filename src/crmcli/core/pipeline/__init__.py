"""Deals and their stages: moves, attention rules, board, forecast; imports values, db, activity."""
