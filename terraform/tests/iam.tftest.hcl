# The instance role: secrets, logs and SSM, nothing more.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name = "janitor-test"
  secret_arns = [
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:janitor-test/agent-AbCdEf",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:janitor-test/reader-AbCdEf",
  ]
  log_group_arn = "arn:aws:logs:us-east-1:123456789012:log-group:/janitor/test:*"
}

run "reads_only_the_named_secrets" {
  module {
    source = "./modules/iam"
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.instance.policy).Statement : s if contains(s.Action, "secretsmanager:GetSecretValue")]) == 1
    error_message = "Exactly one statement grants secret reads."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.instance.policy).Statement :
      length(s.Resource) == 2 && toset(s.Resource) == toset(var.secret_arns) if contains(s.Action, "secretsmanager:GetSecretValue")
    ])
    error_message = "secretsmanager:GetSecretValue must be granted on the agent and reader secrets only."
  }

  assert {
    condition = alltrue(flatten([
      for s in jsondecode(aws_iam_role_policy.instance.policy).Statement : [
        for r in s.Resource : !strcontains(r, "*") || r == "arn:aws:logs:us-east-1:123456789012:log-group:/janitor/test:*"
      ]
    ]))
    error_message = "No resource wildcards except the log streams of the instance's own log group."
  }

  assert {
    condition = alltrue(flatten([
      for s in jsondecode(aws_iam_role_policy.instance.policy).Statement : [
        for a in s.Action : a != "*" && !endswith(a, ":*")
      ]
    ]))
    error_message = "No wildcard actions."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.instance.policy).Statement : s.Effect == "Allow" && !contains(keys(s), "NotResource") && !contains(keys(s), "NotAction")])
    error_message = "No NotResource/NotAction tricks."
  }

  assert {
    condition     = !contains([for s in jsondecode(aws_iam_role_policy.instance.policy).Statement : s.Sid], "DecryptWithProjectKey")
    error_message = "Without a customer key there is nothing to decrypt."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.ssm.policy_arn == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    error_message = "The role must be reachable through SSM (AmazonSSMManagedInstanceCore)."
  }

  assert {
    condition     = jsondecode(aws_iam_role.instance.assume_role_policy).Statement[0].Principal.Service == "ec2.amazonaws.com"
    error_message = "Only EC2 may assume the instance role."
  }
}

run "customer_key_adds_decrypt_on_that_key" {
  module {
    source = "./modules/iam"
  }

  variables {
    kms_key_arns = ["arn:aws:kms:us-east-1:123456789012:key/project"]
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.instance.policy).Statement : s.Resource if s.Sid == "DecryptWithProjectKey"]) == ["arn:aws:kms:us-east-1:123456789012:key/project"]
    error_message = "kms:Decrypt only on the named key."
  }
}

run "rejects_wildcard_secrets" {
  command = plan

  module {
    source = "./modules/iam"
  }

  variables {
    secret_arns = ["arn:aws:secretsmanager:us-east-1:123456789012:secret:*"]
  }

  expect_failures = [var.secret_arns]
}
