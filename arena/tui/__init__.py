"""The Textual apps of the arena: ``arena play`` (a person against agents)."""
