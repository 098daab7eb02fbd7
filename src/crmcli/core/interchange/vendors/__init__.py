"""One module per tool whose contacts CSV we recognise: its columns and quirks; imports nothing."""
