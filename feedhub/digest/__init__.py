"""Choosing, ranking and rendering the weekly digest.

``window`` (the ISO week in the user's time zone) -> ``stories`` (entries and papers clustered by paper
id or canonical URL) -> ``sections`` + ``score`` -> ``build`` (the digest as a JSON-able dict, stored
as a ``Digest`` row) -> ``render_*`` (Markdown, HTML, JSON, Atom, e-mail) -> ``send`` (SMTP).
"""
