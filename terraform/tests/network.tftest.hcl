# The network module: who may reach the database and the API.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name     = "janitor-test"
  vpc_cidr = "10.40.0.0/16"
  api_port = 8080
  db_port  = 5432
}

run "database_reachable_only_from_the_instance" {
  module {
    source = "./modules/network"
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.database_from_instance.security_group_id == aws_security_group.database.id && aws_vpc_security_group_ingress_rule.database_from_instance.referenced_security_group_id == aws_security_group.instance.id
    error_message = "PostgreSQL must be admitted to the database's group from the instance's group."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.database_from_instance.cidr_ipv4 == null && aws_vpc_security_group_ingress_rule.database_from_instance.cidr_ipv6 == null
    error_message = "The database's security group must not admit any address range."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.database_from_instance.from_port == 5432 && aws_vpc_security_group_ingress_rule.database_from_instance.to_port == 5432
    error_message = "Only the PostgreSQL port is open on the database."
  }

  assert {
    condition     = length(aws_default_security_group.this.ingress) == 0 && length(aws_default_security_group.this.egress) == 0
    error_message = "The VPC's default security group must allow nothing."
  }
}

run "database_subnets_private_in_two_zones" {
  module {
    source = "./modules/network"
  }

  assert {
    condition     = length(aws_subnet.db) == 2 && length(distinct([for s in aws_subnet.db : s.availability_zone])) == 2
    error_message = "The database subnets must span two availability zones."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.db : s.map_public_ip_on_launch == false])
    error_message = "Database subnets must not hand out public addresses."
  }

  assert {
    condition     = aws_route_table_association.instance.subnet_id == aws_subnet.instance.id
    error_message = "Only the instance subnet routes to the internet gateway."
  }
}

run "api_port_closed_by_default" {
  module {
    source = "./modules/network"
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.api) == 0
    error_message = "With no api_ingress_cidrs the API port must stay closed."
  }
}

run "api_port_open_only_to_the_listed_ranges" {
  module {
    source = "./modules/network"
  }

  variables {
    api_ingress_cidrs = ["203.0.113.7/32", "198.51.100.0/24"]
    api_port          = 9000
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.api) == 2
    error_message = "One rule per listed range."
  }

  assert {
    condition     = alltrue([for cidr, r in aws_vpc_security_group_ingress_rule.api : r.cidr_ipv4 == cidr && r.from_port == 9000 && r.to_port == 9000 && r.ip_protocol == "tcp" && r.security_group_id == aws_security_group.instance.id])
    error_message = "Each rule must open exactly the API port to exactly its range."
  }
}
