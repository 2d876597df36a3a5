"""Prices, factors and the returns panel."""
