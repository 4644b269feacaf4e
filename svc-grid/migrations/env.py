from grid.config import GridSettings
from grid.models import metadata
from jiceng_shared.migrations import run_env

run_env(metadata, GridSettings)
