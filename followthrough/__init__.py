"""Followthrough: a help desk where every case has an owner, a full history and a next step."""
