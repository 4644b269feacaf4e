-- One database per process (each service owns its data; none reads another's tables).
CREATE DATABASE jiceng_gateway;
CREATE DATABASE jiceng_approval;
CREATE DATABASE jiceng_enforcement;
CREATE DATABASE jiceng_grid;
CREATE DATABASE jiceng_dispatch;
CREATE DATABASE jiceng_assessment;
