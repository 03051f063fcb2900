"""Atom feeds per product: new ideas, shipped ideas, released versions."""
