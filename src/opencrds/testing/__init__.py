"""Helpers for testing rules: dataset headers derived from the rules."""
