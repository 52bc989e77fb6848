"""Document store seam: time-stamped documents (results, reports, host details, logs).

Two implementations pass one contract suite (tests/aops_utils/test_docstore_contract.py):
`ElasticsearchStore` (production, Elasticsearch 7 API) and `SqlDocumentStore` (embedded, SQL
tables with JSON bodies through SQLAlchemy). Filters are a small typed language so that
callers never build engine-specific queries.
"""

from aops_utils.docstore.protocol import EVERY
from aops_utils.docstore.protocol import All
from aops_utils.docstore.protocol import Buckets
from aops_utils.docstore.protocol import Document
from aops_utils.docstore.protocol import DocumentStore
from aops_utils.docstore.protocol import Filter
from aops_utils.docstore.protocol import GroupBy
from aops_utils.docstore.protocol import GroupOrder
from aops_utils.docstore.protocol import Groups
from aops_utils.docstore.protocol import Page
from aops_utils.docstore.protocol import Range
from aops_utils.docstore.protocol import Slice
from aops_utils.docstore.protocol import SortKey
from aops_utils.docstore.protocol import Term
from aops_utils.docstore.protocol import Terms
from aops_utils.docstore.protocol import TimeRange
from aops_utils.docstore.protocol import instant
from aops_utils.docstore.protocol import save_by_id

__all__ = [
    "EVERY",
    "All",
    "Buckets",
    "Document",
    "DocumentStore",
    "Filter",
    "GroupBy",
    "GroupOrder",
    "Groups",
    "Page",
    "Range",
    "Slice",
    "SortKey",
    "Term",
    "Terms",
    "TimeRange",
    "instant",
    "save_by_id",
]
