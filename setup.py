"""setuptools glue: ship the top-level ``migrations/`` inside the wheel as ``feedhub.migrations``
so an installed feedhub can migrate its database (alembic needs the version scripts at run time)."""

from setuptools import find_packages, setup

packages = find_packages(include=["feedhub", "feedhub.*", "reproductions", "reproductions.*"])
packages += ["feedhub.migrations", "feedhub.migrations.versions"]

setup(
    packages=packages,
    package_dir={"feedhub.migrations": "migrations"},
    package_data={"feedhub": ["data/*.toml", "data/*.opml", "data/sample/*", "web/templates/*.html", "web/static/*"]},
    include_package_data=True,
)
