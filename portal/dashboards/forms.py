"""Forms of portal.dashboards."""
