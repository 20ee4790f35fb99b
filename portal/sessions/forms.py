"""Forms of portal.sessions."""
