"""Plain values people type or files hold (text, names, phones, money, dates); imports no store."""
