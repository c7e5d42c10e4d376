# The instance module: metadata service, volumes, bootstrap.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                  = "janitor-test"
  environment           = "test"
  region                = "us-east-1"
  instance_type         = "g5.xlarge"
  ami_name_filter       = "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) *"
  ami_owners            = ["amazon"]
  subnet_id             = "subnet-public"
  security_group_ids    = ["sg-instance"]
  instance_profile_name = "janitor-test-instance"
  root_volume_size_gb   = 100
  docker_volume_size_gb = 200
  log_group_name        = "/janitor/test"
  api_port              = 8080
  janitor_config        = "environments:\n  test:\n    database:\n      secrets:\n        agent: arn:aws:secretsmanager:us-east-1:123456789012:secret:janitor-test/agent-AbCdEf\n"
}

run "imdsv2_required_and_volumes_encrypted" {
  module {
    source = "./modules/instance"
  }

  assert {
    condition     = aws_launch_template.this.metadata_options[0].http_tokens == "required"
    error_message = "The launch template must require IMDSv2 tokens (http_tokens = required)."
  }

  assert {
    condition     = aws_launch_template.this.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "Containers must not reach the metadata service (hop limit 1)."
  }

  assert {
    condition     = length(aws_launch_template.this.block_device_mappings) == 2 && alltrue([for b in aws_launch_template.this.block_device_mappings : b.ebs[0].encrypted == "true"])
    error_message = "Root and Docker volumes must both be mapped and encrypted."
  }

  assert {
    condition     = toset([for b in aws_launch_template.this.block_device_mappings : b.device_name]) == toset(["/dev/sda1", "/dev/sdf"])
    error_message = "The root volume must sit on the AMI's root device and Docker's on /dev/sdf."
  }

  assert {
    condition     = aws_launch_template.this.iam_instance_profile[0].name == "janitor-test-instance"
    error_message = "The instance must carry the janitor instance profile."
  }

  assert {
    condition     = aws_launch_template.this.tag_specifications[0].tags["janitor:env"] == "test"
    error_message = "Instances launched from the template are tagged janitor:env."
  }

  assert {
    condition     = length(aws_instance.this) == 0 && output.instance_id == ""
    error_message = "By default the instance is left to janitor launch-instance."
  }
}

run "user_data_sets_up_docker_volume_service_and_logs" {
  module {
    source = "./modules/instance"
  }

  assert {
    condition = alltrue([for s in [
      "LABEL=janitor-docker /var/lib/docker",
      "apt-get install -yq docker.io",
      "apt-get install -yq nvidia-container-toolkit",
      "nvidia-ctk runtime configure --runtime=docker",
      "ExecStart=/usr/local/bin/janitor serve --env test --addr 0.0.0.0:8080 --log-format json",
      "Restart=on-failure",
      "WantedBy=multi-user.target",
      "systemctl enable janitor.service",
      "journalctl --unit=janitor.service --follow",
      "\"log_group_name\": \"/janitor/test\"",
      "cat >/etc/janitor/config.yaml",
      "agent: arn:aws:secretsmanager:us-east-1:123456789012:secret:janitor-test/agent-AbCdEf",
      "JANITOR_CONFIG=/etc/janitor/config.yaml",
    ] : strcontains(base64decode(aws_launch_template.this.user_data), s)])
    error_message = "The user data must mount Docker's volume, install Docker and the NVIDIA toolkit, enable janitor.service and ship its journal."
  }

  assert {
    condition     = !can(regex("(?i)pass(word)?\\s*[=:]", base64decode(aws_launch_template.this.user_data)))
    error_message = "The user data must not carry passwords."
  }
}

run "verifies_the_download" {
  module {
    source = "./modules/instance"
  }

  variables {
    janitor_download_url = "https://example.com/janitor"
    janitor_sha256       = "0000000000000000000000000000000000000000000000000000000000000000"
  }

  assert {
    condition     = strcontains(base64decode(aws_launch_template.this.user_data), "echo '0000000000000000000000000000000000000000000000000000000000000000  /tmp/janitor' | sha256sum -c -")
    error_message = "The instance must check the binary's SHA-256 before installing it."
  }
}

run "creates_the_instance_on_request" {
  module {
    source = "./modules/instance"
  }

  variables {
    create_instance = true
  }

  assert {
    condition     = length(aws_instance.this) == 1 && aws_instance.this[0].launch_template[0].id == aws_launch_template.this.id
    error_message = "create_instance starts one instance from the launch template."
  }
}
