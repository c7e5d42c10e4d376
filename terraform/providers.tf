# Endpoints, credentials and profile come from the standard AWS settings
# (AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, ...), so the same code
# runs against a real account and against a local emulator.
provider "aws" {
  region = var.region

  default_tags {
    tags = {
      "janitor:env" = var.environment
      "managed-by"  = "terraform"
      "project"     = "janitor"
    }
  }
}
