"""digest: turns daily research-paper feeds into a static, searchable archive."""
