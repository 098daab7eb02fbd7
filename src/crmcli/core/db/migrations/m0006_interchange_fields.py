"""Schema version 6: what real address books hold beyond name, mail and phone.

Imports from Apple, Google, Outlook, Android and CRMs carried nicknames, related
people, anniversaries, chat handles and photos, and dropped them; company cards
became people; a number libphonenumber only calls "possible" could not be told
from a checked one; deals had nowhere to keep their id in the system they came
from. So:
- contact.nickname; contact_phone.valid (false: possible-but-not-valid, or text);
- four child tables of a contact: contact_relation (name + kind, resolved to a
  contact when one matches), contact_date, contact_handle, contact_photo
  (base64 text, so undo, JSON export and `crm db copy` carry it like any value);
- company: website, phone, email, addresses, external_ids, custom_fields;
- deal: external_ids (identity on re-import) and custom_fields;
- the contact name index also covers company_id (same name at the same company).
Existing rows keep NULL (and valid = true). Frozen like every migration.
"""

VERSION = 6

_COLUMNS = [
    "ALTER TABLE contact ADD COLUMN nickname VARCHAR",
    "ALTER TABLE company ADD COLUMN website VARCHAR",
    "ALTER TABLE company ADD COLUMN phone VARCHAR",
    "ALTER TABLE company ADD COLUMN email VARCHAR",
    "ALTER TABLE company ADD COLUMN addresses VARCHAR",
    "ALTER TABLE company ADD COLUMN external_ids VARCHAR",
    "ALTER TABLE company ADD COLUMN custom_fields VARCHAR",
    "ALTER TABLE deal ADD COLUMN external_ids VARCHAR",
    "ALTER TABLE deal ADD COLUMN custom_fields VARCHAR",
]

_INDEXES = [
    # "Same name at the same company" answered from the index (the import's check).
    "DROP INDEX ix_contact_name_key",
    "CREATE INDEX ix_contact_name_key ON contact (name_key, company_id)",
    "CREATE INDEX ix_contact_date_contact_id ON contact_date (contact_id)",
    "CREATE INDEX ix_contact_handle_contact_id ON contact_handle (contact_id)",
    "CREATE INDEX ix_contact_relation_contact_id ON contact_relation (contact_id)",
    "CREATE INDEX ix_contact_relation_related_id ON contact_relation (related_id)",
]

SQLITE = [
    *_COLUMNS,
    "ALTER TABLE contact_phone ADD COLUMN valid BOOLEAN DEFAULT 1 NOT NULL",
    "CREATE TABLE contact_relation ( id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "
    "contact_id INTEGER NOT NULL, name VARCHAR NOT NULL, kind VARCHAR, related_id INTEGER, "
    "position INTEGER DEFAULT '0' NOT NULL, "
    "FOREIGN KEY(contact_id) REFERENCES contact (id) ON DELETE CASCADE, "
    "FOREIGN KEY(related_id) REFERENCES contact (id) ON DELETE SET NULL )",
    "CREATE TABLE contact_date ( id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "
    "contact_id INTEGER NOT NULL, label VARCHAR NOT NULL, date VARCHAR NOT NULL, "
    "position INTEGER DEFAULT '0' NOT NULL, "
    "FOREIGN KEY(contact_id) REFERENCES contact (id) ON DELETE CASCADE )",
    "CREATE TABLE contact_handle ( id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "
    "contact_id INTEGER NOT NULL, service VARCHAR NOT NULL, handle VARCHAR NOT NULL, "
    "position INTEGER DEFAULT '0' NOT NULL, "
    "FOREIGN KEY(contact_id) REFERENCES contact (id) ON DELETE CASCADE )",
    "CREATE TABLE contact_photo ( id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "
    "contact_id INTEGER NOT NULL, media_type VARCHAR, data VARCHAR, uri VARCHAR, "
    "UNIQUE (contact_id), FOREIGN KEY(contact_id) REFERENCES contact (id) ON DELETE CASCADE )",
    *_INDEXES,
]

POSTGRESQL = [
    *_COLUMNS,
    "ALTER TABLE contact_phone ADD COLUMN valid BOOLEAN DEFAULT true NOT NULL",
    "CREATE TABLE contact_relation ( id SERIAL NOT NULL, contact_id INTEGER NOT NULL, "
    "name VARCHAR NOT NULL, kind VARCHAR, related_id INTEGER, "
    "position INTEGER DEFAULT '0' NOT NULL, PRIMARY KEY (id), "
    "FOREIGN KEY(contact_id) REFERENCES contact (id) ON DELETE CASCADE, "
    "FOREIGN KEY(related_id) REFERENCES contact (id) ON DELETE SET NULL )",
    "CREATE TABLE contact_date ( id SERIAL NOT NULL, contact_id INTEGER NOT NULL, "
    "label VARCHAR NOT NULL, date VARCHAR NOT NULL, position INTEGER DEFAULT '0' NOT NULL, "
    "PRIMARY KEY (id), FOREIGN KEY(contact_id) REFERENCES contact (id) ON DELETE CASCADE )",
    "CREATE TABLE contact_handle ( id SERIAL NOT NULL, contact_id INTEGER NOT NULL, "
    "service VARCHAR NOT NULL, handle VARCHAR NOT NULL, position INTEGER DEFAULT '0' NOT NULL, "
    "PRIMARY KEY (id), FOREIGN KEY(contact_id) REFERENCES contact (id) ON DELETE CASCADE )",
    "CREATE TABLE contact_photo ( id SERIAL NOT NULL, contact_id INTEGER NOT NULL, "
    "media_type VARCHAR, data VARCHAR, uri VARCHAR, PRIMARY KEY (id), UNIQUE (contact_id), "
    "FOREIGN KEY(contact_id) REFERENCES contact (id) ON DELETE CASCADE )",
    *_INDEXES,
]
