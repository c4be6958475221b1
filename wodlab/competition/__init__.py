"""Competitions: leaderboard exports, their rules as data, places and standings under the rules, judging."""
