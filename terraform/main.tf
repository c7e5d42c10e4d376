locals {
  name    = "janitor-${var.environment}"
  db_port = 5432

  # prod is always protected; other environments opt in.
  deletion_protection = var.environment == "prod" || var.deletion_protection
}

module "network" {
  source = "./modules/network"

  name              = local.name
  vpc_cidr          = var.vpc_cidr
  api_port          = var.api_port
  api_ingress_cidrs = var.api_ingress_cidrs
  db_port           = local.db_port
}

module "database" {
  source = "./modules/database"

  name                     = local.name
  subnet_ids               = module.network.db_subnet_ids
  security_group_ids       = [module.network.database_security_group_id]
  port                     = local.db_port
  engine_version           = var.db_engine_version
  database_name            = var.db_name
  min_acu                  = var.db_min_acu
  max_acu                  = var.db_max_acu
  seconds_until_auto_pause = var.db_seconds_until_auto_pause
  instance_count           = var.db_instance_count
  serverless_v2            = var.db_serverless_v2
  backup_retention_days    = var.db_backup_retention_days
  deletion_protection      = local.deletion_protection
  kms_key_arn              = var.kms_key_arn
}

module "secrets" {
  source = "./modules/secrets"

  name                 = local.name
  writer_host          = module.database.endpoint
  reader_host          = module.database.reader_endpoint
  port                 = module.database.port
  database_name        = module.database.database_name
  generate_credentials = var.generate_credentials
  credentials_version  = var.credentials_version
  recovery_window_days = var.secret_recovery_window_days
  kms_key_arn          = var.kms_key_arn
}

resource "aws_cloudwatch_log_group" "instance" {
  name              = "/janitor/${var.environment}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn == "" ? null : var.kms_key_arn
}

module "iam" {
  source = "./modules/iam"

  name          = local.name
  secret_arns   = [module.secrets.agent_secret_arn, module.secrets.reader_secret_arn]
  log_group_arn = aws_cloudwatch_log_group.instance.arn
  kms_key_arns  = var.kms_key_arn == "" ? [] : [var.kms_key_arn]
}

module "instance" {
  source = "./modules/instance"

  name                  = local.name
  environment           = var.environment
  region                = var.region
  instance_type         = var.instance_type
  create_instance       = var.create_instance
  ami_name_filter       = var.ami_name_filter
  ami_owners            = var.ami_owners
  subnet_id             = module.network.instance_subnet_id
  security_group_ids    = [module.network.instance_security_group_id]
  instance_profile_name = module.iam.instance_profile_name
  root_volume_size_gb   = var.root_volume_size_gb
  docker_volume_size_gb = var.docker_volume_size_gb
  kms_key_arn           = var.kms_key_arn
  log_group_name        = aws_cloudwatch_log_group.instance.name
  api_port              = var.api_port
  janitor_download_url  = var.janitor_download_url
  janitor_sha256        = var.janitor_sha256

  # janitor's own config file on the instance (pkg/config's layout): where
  # the database is and which secrets to read. No admin secret: the instance
  # role cannot read it.
  janitor_config = yamlencode({
    env        = var.environment
    log_format = "json"
    data_dir   = "/var/lib/janitor"
    environments = {
      (var.environment) = {
        database = {
          endpoint = module.database.endpoint
          port     = module.database.port
          name     = module.database.database_name
          secrets = {
            agent  = module.secrets.agent_secret_arn
            reader = module.secrets.reader_secret_arn
          }
        }
        aws = {
          region    = var.region
          log_group = aws_cloudwatch_log_group.instance.name
          api_port  = var.api_port
        }
      }
    }
  })
}
