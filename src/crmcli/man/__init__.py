"""The crm(1) manual page: generated from the command tree (`render`), shipped as `crm.1`."""
