"""The dbt project, built once. Kept apart from the asset definitions so that the manifest can
be refreshed (``prepare``) before the assets are built from it."""

from dagster_dbt import DbtProject

from orchestration import settings

dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR
)


def prepare() -> None:
    """Parse the dbt project into a fresh manifest (run before loading the definitions)."""
    dbt_project.preparer.prepare(dbt_project)
