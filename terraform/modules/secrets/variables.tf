variable "name" {
  description = "Name prefix; secrets are named <name>/<role>."
  type        = string
}

variable "writer_host" {
  description = "Writer endpoint, the host of the agent secret."
  type        = string
}

variable "reader_host" {
  description = "Reader endpoint, the host of the reader secret."
  type        = string
}

variable "port" {
  description = "PostgreSQL port."
  type        = number
}

variable "database_name" {
  description = "Database name."
  type        = string
}

variable "agent_username" {
  description = "Database role that records results."
  type        = string
  default     = "janitor_agent"
}

variable "reader_username" {
  description = "Database role that reads results."
  type        = string
  default     = "janitor_reader"
}

variable "generate_credentials" {
  description = "Generate the passwords during apply and write the secrets. false leaves the secret values to you (for example your own rotation)."
  type        = bool
  default     = true
}

variable "credentials_version" {
  description = "Generation of the passwords: a new number writes newly generated passwords into the secrets."
  type        = number
  default     = 1
}

variable "recovery_window_days" {
  description = "Days a deleted secret can be restored (0 or 7-30)."
  type        = number
  default     = 7

  validation {
    condition     = var.recovery_window_days == 0 || (var.recovery_window_days >= 7 && var.recovery_window_days <= 30)
    error_message = "recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the secrets; empty uses aws/secretsmanager."
  type        = string
  default     = ""
}
