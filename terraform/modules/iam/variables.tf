variable "name" {
  description = "Name prefix of the role, policy and instance profile."
  type        = string
}

variable "secret_arns" {
  description = "The only secrets the instance may read (agent and reader)."
  type        = list(string)

  validation {
    condition     = length(var.secret_arns) > 0 && alltrue([for a in var.secret_arns : !strcontains(a, "*")])
    error_message = "secret_arns must name secrets exactly, without wildcards."
  }
}

variable "log_group_arn" {
  description = "ARN of the CloudWatch log group the instance writes."
  type        = string
}

variable "kms_key_arns" {
  description = "Customer-managed KMS keys protecting those secrets or logs (empty with AWS-managed keys)."
  type        = list(string)
  default     = []
}
