"""Where each person's work waits: their home (by role) and their notifications. Reads the domains."""
