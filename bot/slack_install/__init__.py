"""Multi-workspace install: Bolt's OAuth flow over our own database-backed stores."""
