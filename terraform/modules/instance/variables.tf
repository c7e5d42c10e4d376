variable "name" {
  description = "Name prefix of the launch template and instance."
  type        = string
}

variable "environment" {
  description = "Environment name; the instance is tagged janitor:env with it."
  type        = string
}

variable "region" {
  description = "AWS region (for the CloudWatch agent)."
  type        = string
}

variable "instance_type" {
  description = "Default instance type of the launch template."
  type        = string
}

variable "create_instance" {
  description = "Create an instance from the template here instead of leaving it to janitor launch-instance."
  type        = bool
  default     = false
}

variable "ami_name_filter" {
  description = "Name pattern of the AMI; the most recent match is used."
  type        = string
}

variable "ami_owners" {
  description = "Owners of the AMI."
  type        = list(string)
}

variable "subnet_id" {
  description = "Public subnet of the instance."
  type        = string
}

variable "security_group_ids" {
  description = "Security groups of the instance."
  type        = list(string)
}

variable "instance_profile_name" {
  description = "IAM instance profile of the instance."
  type        = string
}

variable "root_volume_size_gb" {
  description = "Size of the root volume in GiB."
  type        = number
}

variable "docker_volume_size_gb" {
  description = "Size of the Docker data volume in GiB."
  type        = number
}

variable "docker_volume_device" {
  description = "Block device name of the Docker data volume in the launch template."
  type        = string
  default     = "/dev/sdf"
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the volumes; empty uses aws/ebs."
  type        = string
  default     = ""
}

variable "log_group_name" {
  description = "CloudWatch log group the CloudWatch agent ships janitor's journal to."
  type        = string
}

variable "api_port" {
  description = "TCP port janitor serve listens on."
  type        = number
}

variable "janitor_download_url" {
  description = "URL of the janitor binary; empty skips the download."
  type        = string
  default     = ""
}

variable "janitor_sha256" {
  description = "Expected SHA-256 of the janitor binary."
  type        = string
  default     = ""

  validation {
    condition     = var.janitor_sha256 == "" || can(regex("^[0-9a-f]{64}$", var.janitor_sha256))
    error_message = "janitor_sha256 must be 64 lowercase hex digits."
  }
}

variable "janitor_config" {
  description = "janitor's config file on the instance (/etc/janitor/config.yaml): names and ARNs only, never passwords."
  type        = string
  default     = ""
}
