"""The email channel's pure parts: parsing, loops, tokens; no ORM."""
