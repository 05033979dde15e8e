"""The agent workspace pages. Each view: parse -> access -> one service or selector -> render."""
