"""The demo knowledge base: vendors and articles for the five stories (see data.py)."""

from followthrough.knowledge.demo.loader import KnowledgeDemo

__all__ = ["KnowledgeDemo"]
