"""Dialogs over a screen: the forms and the key list."""
