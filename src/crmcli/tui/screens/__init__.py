"""Full-screen views: pipeline, contacts, today, and a deal."""
