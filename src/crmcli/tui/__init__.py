"""The full-screen interface (Textual). Imported only by `crm tui`."""
