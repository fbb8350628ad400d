"""``feedhub serve``: the study group's page (Starlette, Jinja2 on the server, a JSON API). A face like cli/."""
