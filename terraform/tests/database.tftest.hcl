# The database module's security properties, against a mocked provider.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                  = "janitor-test"
  subnet_ids            = ["subnet-a", "subnet-b"]
  security_group_ids    = ["sg-db"]
  engine_version        = "16.6"
  database_name         = "janitor"
  min_acu               = 0.5
  max_acu               = 4
  instance_count        = 2
  backup_retention_days = 7
  deletion_protection   = false
}

run "private_encrypted_tls_only" {
  module {
    source = "./modules/database"
  }

  assert {
    condition     = length(aws_rds_cluster_instance.this) == 2 && alltrue([for i in aws_rds_cluster_instance.this : i.publicly_accessible == false])
    error_message = "Every cluster instance must be private (publicly_accessible = false)."
  }

  assert {
    condition     = alltrue([for i in aws_rds_cluster_instance.this : i.instance_class == "db.serverless"])
    error_message = "Instances must be Aurora Serverless v2 (db.serverless)."
  }

  assert {
    condition     = aws_rds_cluster.this.storage_encrypted == true
    error_message = "The cluster's storage must be encrypted."
  }

  assert {
    condition     = anytrue([for p in aws_rds_cluster_parameter_group.this.parameter : p.name == "rds.force_ssl" && p.value == "1"])
    error_message = "The cluster parameter group must set rds.force_ssl = 1."
  }

  assert {
    condition     = aws_rds_cluster.this.db_cluster_parameter_group_name == aws_rds_cluster_parameter_group.this.name && aws_rds_cluster_parameter_group.this.family == "aurora-postgresql16"
    error_message = "The cluster must use the TLS parameter group of its engine's family."
  }

  assert {
    condition     = aws_rds_cluster.this.backup_retention_period == 7
    error_message = "Automated backups (and with them point-in-time restore) must keep backup_retention_days."
  }

  assert {
    condition     = aws_rds_cluster.this.manage_master_user_password == true && aws_rds_cluster.this.master_password == null
    error_message = "The master password must be managed by RDS in Secrets Manager, never set in terraform."
  }

  assert {
    condition     = output.master_secret_arn == "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-mock-AbCdEf"
    error_message = "master_secret_arn must name the RDS-managed master secret."
  }

  assert {
    condition     = aws_rds_cluster.this.serverlessv2_scaling_configuration[0].min_capacity == 0.5 && aws_rds_cluster.this.serverlessv2_scaling_configuration[0].max_capacity == 4
    error_message = "The cluster must scale between min_acu and max_acu."
  }

  assert {
    condition     = aws_rds_cluster.this.deletion_protection == false && aws_rds_cluster.this.skip_final_snapshot == true
    error_message = "Without deletion protection the cluster is easy to tear down."
  }
}

run "auto_pause_only_at_zero_acu" {
  module {
    source = "./modules/database"
  }

  variables {
    min_acu = 0
  }

  assert {
    condition     = aws_rds_cluster.this.serverlessv2_scaling_configuration[0].seconds_until_auto_pause == 3600
    error_message = "A cluster that may scale to 0 ACU pauses after seconds_until_auto_pause."
  }
}

run "protected_cluster_keeps_a_final_snapshot" {
  module {
    source = "./modules/database"
  }

  variables {
    deletion_protection = true
  }

  assert {
    condition     = aws_rds_cluster.this.deletion_protection == true && aws_rds_cluster.this.skip_final_snapshot == false && aws_rds_cluster.this.final_snapshot_identifier == "janitor-test-final"
    error_message = "A protected cluster refuses deletion and leaves a final snapshot."
  }
}

run "rejects_backups_off" {
  command = plan

  module {
    source = "./modules/database"
  }

  variables {
    backup_retention_days = 0
  }

  expect_failures = [var.backup_retention_days]
}
