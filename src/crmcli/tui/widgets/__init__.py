"""Widgets the screens share: the board, the date field, the navigation bar."""
