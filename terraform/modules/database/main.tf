locals {
  engine       = "aurora-postgresql"
  major        = split(".", var.engine_version)[0]
  kms_key_arn  = var.kms_key_arn == "" ? null : var.kms_key_arn
  instance_cls = var.serverless_v2 ? "db.serverless" : var.provisioned_instance_class
}

resource "aws_db_subnet_group" "this" {
  name        = var.name
  description = "janitor database subnets"
  subnet_ids  = var.subnet_ids
}

# rds.force_ssl = 1 makes the server refuse every connection without TLS.
resource "aws_rds_cluster_parameter_group" "this" {
  name        = "${var.name}-aurora-postgresql${local.major}"
  family      = "aurora-postgresql${local.major}"
  description = "janitor: TLS required"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }
}

resource "aws_rds_cluster" "this" {
  cluster_identifier = var.name
  engine             = local.engine
  engine_mode        = "provisioned"
  engine_version     = var.engine_version
  database_name      = var.database_name
  port               = var.port

  master_username               = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = local.kms_key_arn

  db_subnet_group_name            = aws_db_subnet_group.this.name
  vpc_security_group_ids          = var.security_group_ids
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.this.name

  storage_encrypted = true
  kms_key_id        = local.kms_key_arn

  backup_retention_period         = var.backup_retention_days
  preferred_backup_window         = var.preferred_backup_window
  copy_tags_to_snapshot           = true
  deletion_protection             = var.deletion_protection
  skip_final_snapshot             = !var.deletion_protection
  final_snapshot_identifier       = var.deletion_protection ? "${var.name}-final" : null
  enabled_cloudwatch_logs_exports = ["postgresql"]

  dynamic "serverlessv2_scaling_configuration" {
    for_each = var.serverless_v2 ? [1] : []
    content {
      min_capacity             = var.min_acu
      max_capacity             = var.max_acu
      seconds_until_auto_pause = var.min_acu == 0 ? var.seconds_until_auto_pause : null
    }
  }
}

resource "aws_rds_cluster_instance" "this" {
  count = var.instance_count

  identifier           = "${var.name}-${count.index + 1}"
  cluster_identifier   = aws_rds_cluster.this.id
  engine               = aws_rds_cluster.this.engine
  engine_version       = aws_rds_cluster.this.engine_version
  instance_class       = local.instance_cls
  db_subnet_group_name = aws_db_subnet_group.this.name
  publicly_accessible  = false
  promotion_tier       = count.index
}
