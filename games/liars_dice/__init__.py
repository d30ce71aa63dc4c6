"""Liar's Dice: the OpenSpiel configuration and the table game (elimination)."""

from games.liars_dice.rules import Bid, LiarsDiceGame, LiarsDiceState, RoundResult

__all__ = ["Bid", "LiarsDiceGame", "LiarsDiceState", "RoundResult"]
