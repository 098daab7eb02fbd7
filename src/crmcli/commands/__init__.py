"""Command groups: each module parses arguments, calls the core, and renders."""
