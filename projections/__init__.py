"""Ketnap projections layer."""
