import sys

from jiceng_shared.cli import service_main

from dispatch.main import spec

sys.exit(service_main(spec, "dispatch.main:create_app"))
