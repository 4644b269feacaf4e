from jiceng_shared.migrations import run_env

from grid.config import GridSettings
from grid.models import metadata

run_env(metadata, GridSettings)
