from jiceng_shared.migrations import run_env

from enforcement.config import EnforcementSettings
from enforcement.models import metadata

run_env(metadata, EnforcementSettings)
