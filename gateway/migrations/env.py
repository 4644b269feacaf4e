from jiceng_shared.migrations import run_env

from gateway.config import GatewaySettings
from gateway.models import metadata

run_env(metadata, GatewaySettings)
