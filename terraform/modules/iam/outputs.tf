output "role_name" {
  description = "Name of the instance role."
  value       = aws_iam_role.instance.name
}

output "role_arn" {
  description = "ARN of the instance role."
  value       = aws_iam_role.instance.arn
}

output "instance_profile_name" {
  description = "Name of the instance profile carrying the role."
  value       = aws_iam_instance_profile.instance.name
}

output "policy_json" {
  description = "The role's inline policy document."
  value       = aws_iam_role_policy.instance.policy
}
