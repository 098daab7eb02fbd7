"""Looking people up (`crm find`, `crm search`, resolving a REF); imports values, db, people."""
