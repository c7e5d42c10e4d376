# Development: small, pauses when idle, easy to tear down.
environment                 = "dev"
region                      = "us-east-1"
vpc_cidr                    = "10.40.0.0/16"
instance_type               = "g5.xlarge"
db_min_acu                  = 0
db_max_acu                  = 2
db_backup_retention_days    = 1
deletion_protection         = false
secret_recovery_window_days = 0
log_retention_days          = 14

# Open the API to your own address only, e.g. ["203.0.113.7/32"]; the default keeps it closed.
api_ingress_cidrs = []
