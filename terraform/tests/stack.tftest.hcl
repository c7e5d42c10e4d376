# The root module's wiring: prod protection, the role's secrets, outputs.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  environment = "test"
}

run "role_reads_the_stacks_own_secrets" {
  assert {
    condition = jsonencode(one([
      for s in jsondecode(module.iam.policy_json).Statement : s.Resource if contains(s.Action, "secretsmanager:GetSecretValue")
    ])) == jsonencode([module.secrets.agent_secret_arn, module.secrets.reader_secret_arn])
    error_message = "The instance role must read exactly this stack's agent and reader secrets (not the admin secret)."
  }

  assert {
    condition     = !strcontains(module.iam.policy_json, output.admin_secret_arn)
    error_message = "The instance must not read the admin secret."
  }

  assert {
    condition     = module.database.deletion_protection == false
    error_message = "Environments other than prod are not protected by default."
  }

  assert {
    condition     = yamldecode(module.instance.janitor_config).environments.test.database.secrets == { agent = module.secrets.agent_secret_arn, reader = module.secrets.reader_secret_arn }
    error_message = "The instance's janitor config names the agent and reader secrets, and not the admin secret."
  }

  assert {
    condition     = output.api_port == 8080 && output.log_group_name == "/janitor/test" && output.instance_id == "" && output.region == "us-east-1"
    error_message = "Outputs name what janitor needs."
  }
}

run "prod_is_always_deletion_protected" {
  variables {
    environment         = "prod"
    deletion_protection = false
  }

  assert {
    condition     = module.database.deletion_protection == true
    error_message = "prod must be deletion protected even when deletion_protection = false."
  }
}

run "rejects_bad_environment_names" {
  command = plan

  variables {
    environment = "Prod Env"
  }

  expect_failures = [var.environment]
}
