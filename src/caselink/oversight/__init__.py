"""Oversight: force comparison, data completeness and their charts."""
