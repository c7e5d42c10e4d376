output "agent_secret_arn" {
  description = "ARN of the janitor_agent secret."
  value       = aws_secretsmanager_secret.this["agent"].arn
}

output "reader_secret_arn" {
  description = "ARN of the janitor_reader secret."
  value       = aws_secretsmanager_secret.this["reader"].arn
}

output "secret_arns" {
  description = "ARNs of all secrets this module manages, by role."
  value       = { for role, s in aws_secretsmanager_secret.this : role => s.arn }
}
