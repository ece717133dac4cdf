"""Build time: read, clean, chunk, embed and store documents into an index directory."""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())
