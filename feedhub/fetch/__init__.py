"""The HTTP client and the scheduler: limits, conditional GET, retries, guards.

- ``runner``: which sources are due, the concurrent run (global and per-host limits), storing each
  source in its own transaction, back-off, pausing, the post-fetch hook for the search index.
- ``http``: one guarded ``httpx.AsyncClient`` per run; one GET with redirects, deadline and body cap.
- ``guard``: refusing non-public addresses on the address actually connected to.
- ``discover``: a site's feed from its home page.  ``local``: ``file://`` sources.
"""
