output "cluster_identifier" {
  description = "Identifier of the cluster."
  value       = aws_rds_cluster.this.cluster_identifier
}

output "cluster_arn" {
  description = "ARN of the cluster."
  value       = aws_rds_cluster.this.arn
}

output "endpoint" {
  description = "Writer endpoint."
  value       = aws_rds_cluster.this.endpoint
}

output "reader_endpoint" {
  description = "Reader endpoint (the writer while the cluster has no reader)."
  value       = aws_rds_cluster.this.reader_endpoint
}

output "port" {
  description = "PostgreSQL port."
  value       = aws_rds_cluster.this.port
}

output "database_name" {
  description = "Name of the database."
  value       = aws_rds_cluster.this.database_name
}

output "master_secret_arn" {
  description = "ARN of the RDS-managed master user secret."
  value       = aws_rds_cluster.this.master_user_secret[0].secret_arn
}

output "deletion_protection" {
  description = "Whether the cluster is protected from deletion."
  value       = aws_rds_cluster.this.deletion_protection
}
