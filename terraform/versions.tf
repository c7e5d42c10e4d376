terraform {
  # 1.11 is the first release with write-only arguments, which keep the
  # generated database passwords out of the state file (see modules/secrets).
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}
