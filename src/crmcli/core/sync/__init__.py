"""`crm sync`: what happened in the rep's mail folders, captured into the log (core only)."""
