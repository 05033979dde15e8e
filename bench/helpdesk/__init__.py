"""The django-helpdesk 2.6.1 side of the help desk benchmark: see README.md and side.py."""
