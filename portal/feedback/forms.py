"""Forms of portal.feedback."""
