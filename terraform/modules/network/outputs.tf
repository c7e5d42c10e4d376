output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "instance_subnet_id" {
  description = "ID of the public subnet the instance runs in."
  value       = aws_subnet.instance.id
}

output "db_subnet_ids" {
  description = "IDs of the two private database subnets, in different zones."
  value       = aws_subnet.db[*].id
}

output "instance_security_group_id" {
  description = "Security group of the instance."
  value       = aws_security_group.instance.id
}

output "database_security_group_id" {
  description = "Security group of the database; admits PostgreSQL from the instance's group only."
  value       = aws_security_group.database.id
}
