"""Web pages: contexts."""
