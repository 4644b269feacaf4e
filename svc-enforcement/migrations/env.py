from enforcement.config import EnforcementSettings
from enforcement.models import metadata
from jiceng_shared.migrations import run_env

run_env(metadata, EnforcementSettings)
