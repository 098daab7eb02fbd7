"""Messages the rep sends again and again (issue #23): merge fields, templates, drafts
written as RFC 5322 mail and handed to the rep's own sendmail; imports people, pipeline,
activity, db, values."""
