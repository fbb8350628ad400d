"""The HTTP client and the scheduler: limits, conditional GET, retries, guards."""
