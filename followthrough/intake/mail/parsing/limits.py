"""How much of one message is read and kept: the limits no message, however hostile, gets past."""

MAX_DEPTH = 30
MAX_PARTS = 500
MAX_REFERENCES = 50
MAX_ADDRESSES = 100
MAX_TEXT = 100_000
MAX_SUBJECT = 1000
MAX_DISPLAY_NAME = 200
MAX_HEADER_VALUE = 1000  # characters kept of each value in ParsedMail.headers
MAX_HTML_SOURCE = 1_000_000  # characters of the HTML body read before it is cleaned
MAX_DEFECTS = 50

_MAX_REFERENCE_ID = 250
_CHUNK = 1 << 20  # bytes decoded at a time, so a 50 MB body never exists three times over
