"""Files in and out: foreign formats, the importers, the exporters; imports any core package."""
