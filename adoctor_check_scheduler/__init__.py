"""Check scheduler: check rules and results, and the forward/backward/retry check schedule."""
