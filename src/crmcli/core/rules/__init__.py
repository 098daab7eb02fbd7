"""Automation rules (issue #23): triggers, conditions and actions the rep writes as text,
fired inside the change that triggered them or by `crm rule run`, each action explained
and undoable; imports query, messages, people, pipeline, activity, db, values."""
