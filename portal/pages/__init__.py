"""The site's own pages: home, footer pages, the health check and the admins' outbox."""
