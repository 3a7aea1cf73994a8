"""Web pages: bestrefs."""
