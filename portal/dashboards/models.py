"""The dashboards read the other domains' models; they keep none of their own yet."""
