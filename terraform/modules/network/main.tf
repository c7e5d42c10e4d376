data "aws_availability_zones" "available" {
  state = "available"
}

locals {
  # Two zones for the database subnet group (RDS requires two).
  zones = slice(data.aws_availability_zones.available.names, 0, 2)
}

resource "aws_vpc" "this" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = var.name }
}

# The default security group of the VPC allows traffic between its members;
# strip it so that nothing relies on it by accident.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = var.name }
}

resource "aws_subnet" "instance" {
  vpc_id                  = aws_vpc.this.id
  cidr_block              = cidrsubnet(var.vpc_cidr, 4, 0)
  availability_zone       = local.zones[0]
  map_public_ip_on_launch = true

  tags = { Name = "${var.name}-instance" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.this.id
  }

  tags = { Name = "${var.name}-public" }
}

resource "aws_route_table_association" "instance" {
  subnet_id      = aws_subnet.instance.id
  route_table_id = aws_route_table.public.id
}

# Database subnets have no route to the internet: they use the VPC's main
# route table, which only knows the VPC itself.
resource "aws_subnet" "db" {
  count = length(local.zones)

  vpc_id                  = aws_vpc.this.id
  cidr_block              = cidrsubnet(var.vpc_cidr, 4, count.index + 1)
  availability_zone       = local.zones[count.index]
  map_public_ip_on_launch = false

  tags = { Name = "${var.name}-db-${local.zones[count.index]}" }
}

resource "aws_security_group" "instance" {
  name        = "${var.name}-instance"
  description = "janitor GPU instance"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${var.name}-instance" }
}

resource "aws_security_group" "database" {
  name        = "${var.name}-database"
  description = "janitor Aurora cluster: PostgreSQL from the instance only"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${var.name}-database" }
}

resource "aws_vpc_security_group_ingress_rule" "database_from_instance" {
  security_group_id            = aws_security_group.database.id
  description                  = "PostgreSQL from the janitor instance"
  ip_protocol                  = "tcp"
  from_port                    = var.db_port
  to_port                      = var.db_port
  referenced_security_group_id = aws_security_group.instance.id
}

resource "aws_vpc_security_group_ingress_rule" "api" {
  for_each = toset(var.api_ingress_cidrs)

  security_group_id = aws_security_group.instance.id
  description       = "janitor API"
  ip_protocol       = "tcp"
  from_port         = var.api_port
  to_port           = var.api_port
  cidr_ipv4         = each.value
}

# The instance talks to package mirrors, registries, git hosts and AWS APIs
# over HTTP(S), and to the database; nothing else leaves it.
resource "aws_vpc_security_group_egress_rule" "instance_web" {
  for_each = toset(["80", "443"])

  security_group_id = aws_security_group.instance.id
  description       = "HTTP(S) to the internet"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "instance_to_database" {
  security_group_id            = aws_security_group.instance.id
  description                  = "PostgreSQL to the database"
  ip_protocol                  = "tcp"
  from_port                    = var.db_port
  to_port                      = var.db_port
  referenced_security_group_id = aws_security_group.database.id
}
