"""Ketnap service layer."""
