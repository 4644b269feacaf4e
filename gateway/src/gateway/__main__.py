import sys

from gateway.main import spec
from jiceng_shared.cli import service_main

sys.exit(service_main(spec, "gateway.main:create_app"))
