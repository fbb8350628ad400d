"""Papers: look-up by id through the arXiv API (enrich), bulk import of arXiv's metadata snapshot and of the
Papers-with-Code links dump, and the ``paper show`` view."""
