# The secrets module: one secret per role, values written write-only.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name          = "janitor-test"
  writer_host   = "writer.example"
  reader_host   = "reader.example"
  port          = 5432
  database_name = "janitor"
}

run "one_secret_per_role" {
  module {
    source = "./modules/secrets"
  }

  assert {
    condition     = aws_secretsmanager_secret.this["agent"].name == "janitor-test/agent" && aws_secretsmanager_secret.this["reader"].name == "janitor-test/reader"
    error_message = "Secrets are named <name>/<role>."
  }

  assert {
    condition     = alltrue([for v in aws_secretsmanager_secret_version.this : v.secret_string == null && v.secret_string_wo == null && v.secret_string_wo_version == 1])
    error_message = "Secret values must be written write-only, never kept in state."
  }
}

run "values_left_to_the_operator" {
  module {
    source = "./modules/secrets"
  }

  variables {
    generate_credentials = false
  }

  assert {
    condition     = length(aws_secretsmanager_secret_version.this) == 0 && length(aws_secretsmanager_secret.this) == 2
    error_message = "generate_credentials = false creates the secrets without values."
  }
}
