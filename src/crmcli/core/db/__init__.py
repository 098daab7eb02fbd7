"""The store, opening, one module per engine, migrations, backup, copy; imports config, values."""
