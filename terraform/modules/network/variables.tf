variable "name" {
  description = "Name prefix of every resource."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC (at least a /20)."
  type        = string
}

variable "api_port" {
  description = "TCP port of the janitor API on the instance."
  type        = number
}

variable "api_ingress_cidrs" {
  description = "CIDR blocks allowed to reach the API port; empty keeps it closed."
  type        = list(string)
  default     = []
}

variable "db_port" {
  description = "PostgreSQL port of the database."
  type        = number
  default     = 5432
}
