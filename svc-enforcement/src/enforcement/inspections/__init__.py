"""双随机、一公开: random inspections drawn from the register of targets and of certified inspectors."""
