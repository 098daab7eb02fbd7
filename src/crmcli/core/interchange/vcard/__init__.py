"""vCard address books: line syntax, value decoding, reading into records, writing 3.0."""
