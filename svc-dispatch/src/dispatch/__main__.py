import sys

from dispatch.main import spec
from jiceng_shared.cli import service_main

sys.exit(service_main(spec, "dispatch.main:create_app"))
