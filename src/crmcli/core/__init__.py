"""The core layer: schema, store and domain services. It imports no UI library."""
