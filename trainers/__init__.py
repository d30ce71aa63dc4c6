"""Trainers: self-play learning of decentralized actors (CTDE, CADP, CTEDD)."""
