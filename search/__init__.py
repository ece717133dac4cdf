"""Query time: retrievers, fusion, reranking and extractive answers over a built index."""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())
