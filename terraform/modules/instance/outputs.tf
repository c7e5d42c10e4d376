output "launch_template_id" {
  description = "ID of the launch template."
  value       = aws_launch_template.this.id
}

output "instance_id" {
  description = "ID of the instance created here, or an empty string."
  value       = one(aws_instance.this[*].id) == null ? "" : one(aws_instance.this[*].id)
}

output "ami_id" {
  description = "AMI the launch template uses."
  value       = data.aws_ami.this.id
}

output "janitor_config" {
  description = "The janitor config file the instance gets."
  value       = var.janitor_config
}
