"""Services of portal.feedback."""
