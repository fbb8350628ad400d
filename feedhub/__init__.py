"""feedhub: an AI research-feed aggregator with a weekly digest, paper search and reproductions."""

__version__ = "0.1.0"
USER_AGENT = f"feedhub/{__version__} (+https://github.com/feedhub/feedhub)"
