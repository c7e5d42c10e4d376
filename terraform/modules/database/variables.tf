variable "name" {
  description = "Name prefix of every resource; also the cluster identifier."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets in at least two availability zones."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the cluster."
  type        = list(string)
}

variable "port" {
  description = "PostgreSQL port."
  type        = number
  default     = 5432
}

variable "engine_version" {
  description = "Aurora PostgreSQL engine version (major.minor)."
  type        = string
}

variable "database_name" {
  description = "Name of the database created in the cluster."
  type        = string
}

variable "master_username" {
  description = "Master user name; its password is generated and kept by RDS in Secrets Manager."
  type        = string
  default     = "janitor_admin"
}

variable "min_acu" {
  description = "Minimum Serverless v2 capacity in ACU (0 allows auto-pause)."
  type        = number

  validation {
    condition     = var.min_acu >= 0 && var.min_acu <= 256
    error_message = "min_acu must be between 0 and 256."
  }
}

variable "max_acu" {
  description = "Maximum Serverless v2 capacity in ACU."
  type        = number

  validation {
    condition     = var.max_acu >= 1 && var.max_acu <= 256
    error_message = "max_acu must be between 1 and 256."
  }
}

variable "seconds_until_auto_pause" {
  description = "Idle seconds before a cluster with min_acu = 0 pauses."
  type        = number
  default     = 3600
}

variable "instance_count" {
  description = "Number of cluster instances (1 writer, the rest readers)."
  type        = number
  default     = 1
}

variable "serverless_v2" {
  description = "Use Serverless v2 instances (db.serverless) and scaling configuration. false uses provisioned_instance_class, for emulators without Serverless v2."
  type        = bool
  default     = true
}

variable "provisioned_instance_class" {
  description = "Instance class used when serverless_v2 is false."
  type        = string
  default     = "db.t4g.medium"
}

variable "backup_retention_days" {
  description = "Days of automated backups and point-in-time restore (1-35)."
  type        = number

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 1 and 35."
  }
}

variable "preferred_backup_window" {
  description = "Daily UTC window for automated backups."
  type        = string
  default     = "03:00-04:00"
}

variable "deletion_protection" {
  description = "Refuse to delete the cluster; destroy then keeps a final snapshot too."
  type        = bool
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for storage encryption; empty uses aws/rds."
  type        = string
  default     = ""
}
