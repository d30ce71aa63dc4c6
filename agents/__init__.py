"""Agents: everything that chooses an action from a local observation."""
