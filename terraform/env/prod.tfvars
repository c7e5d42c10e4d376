# Production: protected from deletion, two weeks of point-in-time restore,
# a reader instance that can take over on failover.
environment                 = "prod"
region                      = "us-east-1"
vpc_cidr                    = "10.41.0.0/16"
instance_type               = "g5.xlarge"
db_min_acu                  = 0.5
db_max_acu                  = 8
db_instance_count           = 2
db_backup_retention_days    = 14
deletion_protection         = true
secret_recovery_window_days = 30
log_retention_days          = 90

api_ingress_cidrs = []
