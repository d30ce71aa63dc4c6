"""Tournaments, ratings, the ladder and the command line."""
