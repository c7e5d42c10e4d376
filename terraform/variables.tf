variable "environment" {
  description = "Environment name (dev, prod, ...). Names every resource and tags it janitor:env."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.environment))
    error_message = "The environment must be 1-16 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "region" {
  description = "AWS region for every resource."
  type        = string
  default     = "us-east-1"
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC; the module carves a public subnet and two database subnets out of it."
  type        = string
  default     = "10.40.0.0/16"
}

variable "api_port" {
  description = "TCP port of the janitor API (janitor serve) on the instance."
  type        = number
  default     = 8080
}

variable "api_ingress_cidrs" {
  description = "CIDR blocks allowed to reach the API port. Empty (the default) keeps the port closed; use SSM port forwarding instead."
  type        = list(string)
  default     = []
}

variable "instance_type" {
  description = "EC2 instance type of the GPU instance."
  type        = string
  default     = "g5.xlarge"
}

variable "create_instance" {
  description = "Whether terraform creates the instance itself. False leaves it to `janitor launch-instance`, which starts one from the launch template."
  type        = bool
  default     = false
}

variable "ami_name_filter" {
  description = "Name pattern of the instance AMI (most recent match wins). The default is AWS's Deep Learning Base AMI with the NVIDIA driver on Ubuntu 22.04."
  type        = string
  default     = "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) *"
}

variable "ami_owners" {
  description = "Owners of the AMI (account IDs or aliases such as amazon)."
  type        = list(string)
  default     = ["amazon"]
}

variable "root_volume_size_gb" {
  description = "Size of the encrypted root volume in GiB."
  type        = number
  default     = 100
}

variable "docker_volume_size_gb" {
  description = "Size of the encrypted EBS volume mounted at /var/lib/docker (Docker's images and layer cache) in GiB."
  type        = number
  default     = 200
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the database, volumes and secrets. Empty uses the AWS-managed keys."
  type        = string
  default     = ""
}

variable "db_engine_version" {
  description = "Aurora PostgreSQL engine version."
  type        = string
  default     = "16.6"
}

variable "db_name" {
  description = "Name of the results database."
  type        = string
  default     = "janitor"
}

variable "db_min_acu" {
  description = "Minimum Aurora Serverless v2 capacity (ACU). 0 lets the cluster pause when idle; the first connection after a pause takes 15-30 s."
  type        = number
  default     = 0.5
}

variable "db_max_acu" {
  description = "Maximum Aurora Serverless v2 capacity (ACU)."
  type        = number
  default     = 4
}

variable "db_seconds_until_auto_pause" {
  description = "Idle seconds before a cluster with db_min_acu = 0 pauses."
  type        = number
  default     = 3600
}

variable "db_instance_count" {
  description = "Number of cluster instances: 1 is a writer only, 2 adds a reader that can take over on failover."
  type        = number
  default     = 1
}

variable "db_serverless_v2" {
  description = "Run the cluster instances as Aurora Serverless v2 (db.serverless). Only emulators that lack Serverless v2 need false."
  type        = bool
  default     = true
}

variable "db_backup_retention_days" {
  description = "Days of automated backups, which is also the point-in-time-restore window (1-35)."
  type        = number
  default     = 7
}

variable "deletion_protection" {
  description = "Protect the database from deletion. Always on in prod, whatever this says."
  type        = bool
  default     = false
}

variable "generate_credentials" {
  description = "Generate the agent and reader passwords during apply (write-only: never in the plan or state). false leaves the secret values to you."
  type        = bool
  default     = true
}

variable "credentials_version" {
  description = "Generation of the agent and reader passwords. Increase it to generate new ones, then run `janitor db-migrate` to set them in the database."
  type        = number
  default     = 1
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can still be restored (0 deletes at once, 7-30 otherwise)."
  type        = number
  default     = 7
}

variable "log_retention_days" {
  description = "Retention of the instance's CloudWatch log group in days."
  type        = number
  default     = 30
}

variable "janitor_download_url" {
  description = "URL of the janitor linux/amd64 binary the instance installs at first boot. Empty: copy it to /usr/local/bin/janitor yourself and start janitor.service."
  type        = string
  default     = ""
}

variable "janitor_sha256" {
  description = "SHA-256 of the binary at janitor_download_url; the instance refuses a download that does not match. Required with janitor_download_url."
  type        = string
  default     = ""
}
