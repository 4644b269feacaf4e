from dispatch.config import DispatchSettings
from dispatch.models import metadata
from jiceng_shared.migrations import run_env

run_env(metadata, DispatchSettings)
