"""GitHub repository metadata (description, stars, topics, last push) through the REST API, and the
README -> paper links it reveals. ``refresh_repos`` is the entry point (``feedhub github refresh``)."""

from feedhub.github.refresh import RefreshReport, RepoResult, refresh_repos

__all__ = ["RefreshReport", "RepoResult", "refresh_repos"]
