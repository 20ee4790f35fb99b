"""Services of portal.meetings."""
