"""Open311 GeoReport v2: services and service requests for third-party clients."""
