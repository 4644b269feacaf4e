import sys

from jiceng_shared.cli import service_main

from gateway.main import spec

sys.exit(service_main(spec, "gateway.main:create_app"))
