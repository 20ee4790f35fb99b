"""Services of portal.dashboards."""
