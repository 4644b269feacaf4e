from gateway.config import GatewaySettings
from gateway.models import metadata
from jiceng_shared.migrations import run_env

run_env(metadata, GatewaySettings)
