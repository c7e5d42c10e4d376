output "environment" {
  description = "Environment these resources belong to."
  value       = var.environment
}

output "region" {
  description = "AWS region of every resource."
  value       = var.region
}

output "db_cluster_identifier" {
  description = "Identifier of the Aurora cluster."
  value       = module.database.cluster_identifier
}

output "db_endpoint" {
  description = "Writer endpoint of the Aurora cluster."
  value       = module.database.endpoint
}

output "db_reader_endpoint" {
  description = "Reader endpoint of the Aurora cluster."
  value       = module.database.reader_endpoint
}

output "db_port" {
  description = "PostgreSQL port of the cluster."
  value       = module.database.port
}

output "db_name" {
  description = "Name of the results database."
  value       = module.database.database_name
}

output "admin_secret_arn" {
  description = "ARN of the RDS-managed master user secret (username and password only)."
  value       = module.database.master_secret_arn
}

output "agent_secret_arn" {
  description = "ARN of the janitor_agent secret (RDS JSON shape)."
  value       = module.secrets.agent_secret_arn
}

output "reader_secret_arn" {
  description = "ARN of the janitor_reader secret (RDS JSON shape)."
  value       = module.secrets.reader_secret_arn
}

output "instance_id" {
  description = "ID of the instance terraform created, or an empty string when create_instance is false."
  value       = module.instance.instance_id
}

output "launch_template_id" {
  description = "ID of the launch template janitor launch-instance starts instances from."
  value       = module.instance.launch_template_id
}

output "instance_role_name" {
  description = "Name of the instance's IAM role."
  value       = module.iam.role_name
}

output "log_group_name" {
  description = "CloudWatch log group that receives the janitor unit's journal."
  value       = aws_cloudwatch_log_group.instance.name
}

output "api_port" {
  description = "TCP port of the janitor API on the instance."
  value       = var.api_port
}
