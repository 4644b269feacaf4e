from jiceng_shared.migrations import run_env

from dispatch.config import DispatchSettings
from dispatch.models import metadata

run_env(metadata, DispatchSettings)
