"""The filter language of every list (`--where`): parse, fields, compile; imports db, values."""
