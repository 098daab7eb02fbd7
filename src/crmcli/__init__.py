"""crmcli: a terminal-first CRM for individual sales reps."""

__version__ = "0.1.0"
