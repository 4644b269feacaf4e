"""政务服务事项清单: the service-item catalogue, versioned with effective dates, and its public guides."""
