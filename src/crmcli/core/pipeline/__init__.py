"""Deals and stages, the board, the forecast and reports; imports values, db, people, activity."""
