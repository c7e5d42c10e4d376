locals {
  roles = {
    agent  = { username = var.agent_username, host = var.writer_host }
    reader = { username = var.reader_username, host = var.reader_host }
  }
}

resource "aws_secretsmanager_secret" "this" {
  for_each = local.roles

  name                    = "${var.name}/${each.key}"
  description             = "janitor ${each.key} database credentials (${each.value.username})"
  recovery_window_in_days = var.recovery_window_days
  kms_key_id              = var.kms_key_arn == "" ? null : var.kms_key_arn

  tags = { "janitor:role" = each.key }
}

# The standard RDS secret shape, so the same parser reads these and any
# secret written by RDS or its rotation functions.
#
# The password is two random UUIDs (crypto/rand, 244 random bits, 64 hex
# characters) written through a write-only argument: it never reaches the plan
# or the state file, and it is only written again when credentials_version
# changes. `janitor db-migrate` reads it back and sets it on the role.
resource "aws_secretsmanager_secret_version" "this" {
  for_each = var.generate_credentials ? local.roles : {}

  secret_id = aws_secretsmanager_secret.this[each.key].id
  secret_string_wo = jsonencode({
    engine   = "postgres"
    host     = each.value.host
    port     = var.port
    username = each.value.username
    password = replace("${uuid()}${uuid()}", "-", "")
    dbname   = var.database_name
  })
  secret_string_wo_version = var.credentials_version
}
