"""The data-access layer: connection, dialects, schema, migrations, backup, copy; imports values."""
