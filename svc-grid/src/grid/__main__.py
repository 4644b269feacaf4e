import sys

from jiceng_shared.cli import service_main

from grid.main import spec

sys.exit(service_main(spec, "grid.main:create_app"))
