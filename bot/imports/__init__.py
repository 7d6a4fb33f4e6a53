"""Campaigns coming in from files (rows validated one by one) and the demo data."""
