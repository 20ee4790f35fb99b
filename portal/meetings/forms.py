"""Forms of portal.meetings."""
