"""Reads behind the pages: tiles, rankings, maps, trends and worst lists (each module one concern)."""
