"""Services of portal.sessions."""
