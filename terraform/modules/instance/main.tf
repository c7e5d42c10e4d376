data "aws_ami" "this" {
  most_recent = true
  owners      = var.ami_owners

  filter {
    name   = "name"
    values = [var.ami_name_filter]
  }

  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

locals {
  kms_key_arn = var.kms_key_arn == "" ? null : var.kms_key_arn
  tags        = { Name = var.name, "janitor:env" = var.environment }

  user_data = templatefile("${path.module}/user-data.sh.tftpl", {
    region               = var.region
    log_group_name       = var.log_group_name
    api_port             = var.api_port
    environment          = var.environment
    janitor_download_url = var.janitor_download_url
    janitor_sha256       = var.janitor_sha256
    janitor_config       = var.janitor_config
  })
}

resource "aws_launch_template" "this" {
  name                   = var.name
  description            = "janitor GPU instance"
  image_id               = data.aws_ami.this.id
  instance_type          = var.instance_type
  update_default_version = true
  user_data              = base64encode(local.user_data)

  iam_instance_profile {
    name = var.instance_profile_name
  }

  # IMDSv2 only. A hop limit of 1 keeps the role's credentials away from the
  # worker containers janitor builds and runs (they sit one hop further out,
  # behind the Docker bridge); janitor itself runs on the host.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "enabled"
  }

  network_interfaces {
    associate_public_ip_address = true
    subnet_id                   = var.subnet_id
    security_groups             = var.security_group_ids
    delete_on_termination       = true
  }

  block_device_mappings {
    device_name = data.aws_ami.this.root_device_name

    ebs {
      volume_size           = var.root_volume_size_gb
      volume_type           = "gp3"
      encrypted             = true
      kms_key_id            = local.kms_key_arn
      delete_on_termination = true
    }
  }

  # Docker's data root lives on its own volume: an EBS volume keeps its data
  # across stop/start (unlike the instance store), so the layer cache survives.
  block_device_mappings {
    device_name = var.docker_volume_device

    ebs {
      volume_size           = var.docker_volume_size_gb
      volume_type           = "gp3"
      encrypted             = true
      kms_key_id            = local.kms_key_arn
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags          = local.tags
  }

  tag_specifications {
    resource_type = "volume"
    tags          = local.tags
  }

  tags = local.tags
}

resource "aws_instance" "this" {
  count = var.create_instance ? 1 : 0

  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }

  tags = local.tags

  lifecycle {
    # A new AMI release must not replace a running instance; janitor
    # launch-instance picks it up for the next one.
    ignore_changes = [launch_template]
  }
}
